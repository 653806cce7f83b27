// The one owner of sync state: every change of runs, the tenant's sync state, sync errors, the
// push queue and the connection's status goes through this folder's functions, whether the
// engine, the scheduler or a service makes it. The lint rule in packages/config/boundaries.js
// refuses such a write anywhere else. Exported here: what the engine needs; the services' own
// steps (an admin's retry, an edit, a setup step) import their files directly.
export { abandonQueuedRun, addRunObjectCounts, beginRun, ensureRunObject, finishRun, queueRun, setRunPhase, startRunObject } from "./runs";
export type { CounterDelta, RunEnd, RunKind, RunOperation, RunStatus } from "./runs";
export { setSyncState, type SyncStateKind } from "./state";
export { recordPushFailures, resolvePushErrors, retriedReadErrors, settleRetriedReads, type RecordFailure } from "./errors";
export { markPushesInFlight, settlePushes, type PushState } from "./push-queue";
export { recordLoginAccepted, recordLoginRefused } from "./connection";
export { recordApiLimitPause, recordCredentialRefusal, type ApiLimitPause } from "./outcomes";
