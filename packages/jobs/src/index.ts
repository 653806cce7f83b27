export {
  startWorker,
  type BossConnection,
  type HandlerMap,
  type JobContext,
  type JobHandler,
  type SendJobOptions,
  type StartWorkerOptions,
  type Worker,
} from "./worker";
export * from "./catalog";
