export { appRouter, createCaller, type AppRouter } from "./root";
export type { ApiContext } from "./context";
export { toTRPCError } from "./errors";
export { afterSupportEnded } from "./routers/support";
