// The engine's Salesforce client and its errors, as the engine's callers see them.
export {
  ApiBudget,
  ApiCapReachedError,
  CredentialsError,
  DEFAULT_RETRY,
  OrgApiLimitError,
  RunAbortedError,
  SalesforceApi,
  SalesforceClientError,
  type ApiBudgetOptions,
  type RetryPolicy,
} from "@ferry/salesforce";
export { executeRun, type RunOutcome, type SyncContext, type SyncOptions, type SyncLogger } from "./engine";
export { ProgressReporter, type SyncEmitter } from "./progress";
export { SYNC_OBJECTS, type SyncObject } from "./shape/objects";
export { runInitialSync } from "./initial";
export { runIncrementalSync } from "./incremental";
export { applySchemaStep, type SchemaChanges } from "./schema-step";
export { runPush, PUSH_BATCH } from "./push";
export { runReconcile } from "./reconcile";
export { runSyncJob, type SyncJobDependencies, type SyncJobName, type SyncJobPayload } from "./jobs";
export { scheduleSyncWork, runScheduler, type ScheduleDependencies } from "./scheduler";
export { openSalesforceConnection } from "./open-connection";
export { createJobHandlers, type WorkerDependencies } from "./job-handlers";
export { StreamManager, TenantStream, CHANGE_EVENTS_TOPIC, type StreamManagerOptions, type StreamState } from "./stream/manager";
export { FERRY_CLIENT_ID, FERRY_CALL_OPTIONS, type AppliedBatch } from "./stream/apply";
export { pubSubEndpointFromEnv, type PubSubEndpoint } from "./stream/pubsub";
export { startStreams, endpointFromSettings, streamEnvShape, type StartStreamsOptions } from "./stream/start";
