export * from "./errors";
export { ApiBudget, type ApiBudgetOptions } from "./api/budget";
export { SalesforceApi, DEFAULT_RETRY, type RetryPolicy } from "./api/client";
export { executeRun, type RunOutcome, type SyncContext, type SyncOptions, type SyncLogger } from "./engine";
export { ProgressReporter, type SyncEmitter } from "./progress";
export { SYNC_OBJECTS, type SyncObject } from "./model/objects";
export { runInitialSync } from "./initial";
export { runIncrementalSync } from "./incremental";
export { applySchemaStep, type SchemaChanges } from "./schema-step";
export { runPush, PUSH_BATCH } from "./push";
export { runReconcile } from "./reconcile";
export { runSyncJob, type SyncJobDependencies, type SyncJobName, type SyncJobPayload } from "./jobs";
export { scheduleSyncWork, runScheduler, type ScheduleDependencies } from "./scheduler";
// The connect flow's jsforce side, injected into the services' connection verbs.
export { salesforceGateway, openSalesforceConnection, installSalesforceEgressGuard } from "./salesforce";
export { createJobHandlers, type WorkerDependencies } from "./job-handlers";
