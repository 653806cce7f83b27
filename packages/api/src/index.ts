export { appRouter, createCaller, type AppRouter } from "./root";
export type { ApiContext } from "./context";
export { toTRPCError } from "./errors";
export { afterSupportEnded } from "./routers/support";
/** The web process routes Salesforce connections through the egress guard at boot (see @ferry/sync). */
export { installSalesforceEgressGuard } from "@ferry/salesforce";
