import type { DatabaseHandle } from "@ferry/db";
import type { Logger } from "@ferry/observability";
import type { RealtimeEmitter } from "@ferry/realtime";
import type { HandlerMap, JobHandler } from "./worker";

/** What handlers may use; the same in the embedded web process and the standalone worker. */
export interface WorkerDependencies {
  database: DatabaseHandle;
  emitter: RealtimeEmitter;
  logger: Logger;
  /** Prunes expired domain data; supplied by the caller so the worker holds no domain SQL. */
  prune?: JobHandler<"maintenance.prune">;
}

/**
 * The app's job handlers. Each stays a one-liner into `@ferry/sync` or `@ferry/services`; the
 * sync.* handlers arrive with the sync engine. A job without a handler here is not worked.
 */
export function createJobHandlers(dependencies: WorkerDependencies): Partial<HandlerMap> {
  const handlers: Partial<HandlerMap> = {};
  if (dependencies.prune) handlers["maintenance.prune"] = dependencies.prune;
  return handlers;
}
