import type { Connection } from "jsforce";
import type { DatabaseHandle } from "@ferry/db";
import type { TenantJobName } from "@ferry/jobs";
import type { RunOutcome, SyncLogger, SyncOptions } from "./engine";
import { runIncrementalSync } from "./incremental";
import { runInitialSync } from "./initial";
import type { SyncEmitter } from "./progress";
import { runPush } from "./push";
import { runReconcile } from "./reconcile";
import { failForCredentials } from "./store/outcomes";

/** The catalog's tenant jobs: every one of them is a sync run. */
export type SyncJobName = TenantJobName;

export interface SyncJobPayload {
  tenantId: string;
  runId: string;
  objects?: string[];
}

export interface SyncJobDependencies {
  database: DatabaseHandle;
  emitter?: SyncEmitter;
  /** The tenant's logged-in Connection (in the worker: `openSalesforceConnection`). */
  openConnection(tenantId: string): Promise<Connection>;
  /** Enqueues a tenant job (the worker's typed `send`). */
  send(name: SyncJobName, payload: SyncJobPayload, options?: { startAfter?: Date }): Promise<unknown>;
  options?: SyncOptions;
}

export interface SyncJobContext {
  signal?: AbortSignal;
  logger?: SyncLogger;
  /** The job's attempt (0 = first) and retry limit: an error on the last attempt fails the run. */
  attempt?: number;
  retryLimit?: number;
}

const runners = {
  "sync.initial": runInitialSync,
  "sync.incremental": runIncrementalSync,
  "sync.push": runPush,
  "sync.reconcile": runReconcile,
} as const satisfies Record<SyncJobName, unknown>;

/**
 * What a worker job does: open the tenant's connection, run the engine, then act on the outcome.
 * A run that gave its slot back (`yielded`) is re-queued at once, behind other tenants' waiting
 * jobs; a run paused at the API cap is re-queued to start when the cap is expected to allow it.
 */
export async function runSyncJob(deps: SyncJobDependencies, name: SyncJobName, payload: SyncJobPayload, job: SyncJobContext = {}): Promise<RunOutcome> {
  let conn: Connection;
  try {
    conn = await deps.openConnection(payload.tenantId);
  } catch (error) {
    const refused = error as { code?: string; authFailure?: boolean };
    if (refused.authFailure || refused.code === "LOGIN_RETRIES_STOPPED" || refused.code === "NOT_CONNECTED") {
      const target = { database: deps.database, tenantId: payload.tenantId, runId: payload.runId, emitter: deps.emitter, logger: job.logger };
      return failForCredentials(target, { code: refused.code ?? "INVALID_LOGIN", message: error instanceof Error ? error.message : String(error) });
    }
    throw error;
  }
  const outcome = await runners[name]({
    database: deps.database,
    tenantId: payload.tenantId,
    runId: payload.runId,
    conn,
    ...(deps.emitter ? { emitter: deps.emitter } : {}),
    ...(job.signal ? { signal: job.signal } : {}),
    ...(job.logger ? { logger: job.logger } : {}),
    ...(job.attempt !== undefined ? { attempt: job.attempt } : {}),
    ...(job.retryLimit !== undefined ? { retryLimit: job.retryLimit } : {}),
    ...(deps.options ? { options: deps.options } : {}),
    ...(payload.objects ? { objects: payload.objects } : {}),
  });
  if (outcome.outcome === "yielded") await deps.send(name, payload);
  if (outcome.outcome === "paused" && outcome.resumesAt) await deps.send(name, payload, { startAfter: outcome.resumesAt });
  return outcome;
}
