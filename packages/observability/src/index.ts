export { createLogger, withContext, type CreateLoggerOptions, type LogContext, type LogLevel, type Logger } from "./logger";
export { redactSecrets, isSecretKey, REDACTED } from "./redact";
export { parseEnv, EnvError, databaseLoginProblems } from "./env";
export {
  metricsRegistry,
  httpRequestsTotal,
  httpRequestDurationSeconds,
  jobsTotal,
  jobDurationSeconds,
  syncRecordsTotal,
  socketConnections,
  observeHttpRequest,
  recordJob,
  recordSyncRecords,
  renderMetrics,
  type JobOutcome,
  type SyncOperation,
} from "./metrics";
