import { sql } from "drizzle-orm";
import { withTenant, type DatabaseHandle, rowsOf } from "@ferry/db";
import { abandonQueuedRun, queueRun, type RunKind } from "@ferry/services";
import type { SyncJobName, SyncJobPayload } from "./jobs";

export interface ScheduleDependencies {
  database: DatabaseHandle;
  send(name: SyncJobName, payload: SyncJobPayload): Promise<unknown>;
  now?: () => Date;
  /** A run still "in progress" after this long is presumed dead (its job expired); default 7 h. */
  staleRunMs?: number;
  reconcileEveryMs?: number;
  /** How long an incomplete initial sync waits before the scheduler resumes it; default 5 min. */
  initialRetryMs?: number;
}

interface TenantDue {
  tenant_id: string;
  interval_minutes: number;
  busy: boolean;
  has_push: boolean;
  ready: boolean;
  last_synced_at: Date | string | null;
  last_reconcile: Date | string | null;
  initial_done_at: Date | string | null;
  initial_run_id: string | null;
  initial_status: string | null;
  initial_finished_at: Date | string | null;
  streaming: boolean;
  catch_up_objects: string[] | null;
}

/** While a tenant's change stream is live, the polling cycle is only a safety net: hourly. */
export const STREAMING_INTERVAL_MINUTES = 60;

/**
 * One scheduling pass over every tenant whose sync is on and not paused (stopped credentials take
 * the connection out of `syncing`): a tenant with a run queued, moving, or waiting for the API
 * budget gets nothing new; otherwise queued pushes go first; an initial sync that stopped (its job
 * ran out of retries: `failed`, or `incomplete` when stopped otherwise) is resumed; then the incremental cycle when its interval (1–60 min, default 5) has passed since the
 * last cycle started (or the initial sync finished), then the daily reconciliation (the first one a day after the initial sync, which has just read everything). The run row is created here, so the job carries its id.
 * Returns what was sent.
 */
export async function scheduleSyncWork(deps: ScheduleDependencies): Promise<{ tenantId: string; job: SyncJobName }[]> {
  const now = deps.now?.() ?? new Date();
  const stale = new Date(now.getTime() - (deps.staleRunMs ?? 7 * 3600_000));
  const reconcileBefore = new Date(now.getTime() - (deps.reconcileEveryMs ?? 24 * 3600_000));
  // A platform pass across tenants (like pruning): it reads only scheduling facts, then acts per tenant.
  const due = rowsOf(
    await deps.database.platform.execute(sql`
      SELECT c.tenant_id,
             greatest(1, least(60, t.sync_interval_minutes)) AS interval_minutes,
             EXISTS (SELECT 1 FROM sync_runs r WHERE r.tenant_id = c.tenant_id
                       AND (r.status IN ('queued', 'paused') OR (r.status = 'in_progress' AND r.started_at > ${stale.toISOString()}::timestamptz))) AS busy,
             EXISTS (SELECT 1 FROM push_queue p WHERE p.tenant_id = c.tenant_id AND p.state = 'queued') AS has_push,
             EXISTS (SELECT 1 FROM sync_checkpoints k WHERE k.tenant_id = c.tenant_id AND k.initial_done_at IS NOT NULL) AS ready,
             -- Pushes and reconciliations do not move the cycle: only reads of changes count.
             (SELECT max(CASE WHEN r.kind = 'initial' THEN r.finished_at ELSE r.started_at END) FROM sync_runs r
               WHERE r.tenant_id = c.tenant_id AND r.kind IN ('initial', 'incremental') AND r.status = 'succeeded') AS last_synced_at,
             (SELECT max(r.started_at) FROM sync_runs r WHERE r.tenant_id = c.tenant_id AND r.kind = 'reconcile') AS last_reconcile,
             (SELECT max(r.finished_at) FROM sync_runs r WHERE r.tenant_id = c.tenant_id AND r.kind = 'initial' AND r.status = 'succeeded') AS initial_done_at,
             i.id AS initial_run_id, i.status AS initial_status, i.finished_at AS initial_finished_at,
             -- Near-real-time: a live stream held by a worker whose lease is current.
             (c.near_real_time AND cs.state = 'live' AND cs.lease_expires_at > now()) IS TRUE AS streaming,
             CASE WHEN c.near_real_time THEN cs.catch_up_objects END AS catch_up_objects
      FROM salesforce_connections c
      LEFT JOIN cdc_streams cs ON cs.tenant_id = c.tenant_id
      JOIN tenants t ON t.id = c.tenant_id
      LEFT JOIN LATERAL (SELECT r.id, r.status, r.finished_at FROM sync_runs r WHERE r.tenant_id = c.tenant_id AND r.kind = 'initial' ORDER BY r.started_at DESC LIMIT 1) i ON true
      LEFT JOIN sync_states s ON s.tenant_id = c.tenant_id
      WHERE c.sync_enabled AND c.state = 'syncing' AND coalesce(s.paused_by_admin, false) = false`),
  ) as unknown as TenantDue[];

  const sent: { tenantId: string; job: SyncJobName }[] = [];
  const retryInitialBefore = new Date(now.getTime() - (deps.initialRetryMs ?? 5 * 60_000));
  for (const tenant of due) {
    if (tenant.busy) continue;
    // An initial sync whose job ran out of retries (a long outage, a full disk) resumes from its checkpoints.
    if (
      tenant.initial_run_id &&
      (tenant.initial_status === "incomplete" || tenant.initial_status === "failed") &&
      (!tenant.initial_finished_at || new Date(tenant.initial_finished_at) < retryInitialBefore)
    ) {
      await deps.send("sync.initial", { tenantId: tenant.tenant_id, runId: tenant.initial_run_id });
      sent.push({ tenantId: tenant.tenant_id, job: "sync.initial" });
      continue;
    }
    // Objects loaded before the failure have checkpoints, but cycles wait for the initial sync: one that
    // succeeded would say "idle" over its failure.
    if (!tenant.ready || tenant.initial_status === "incomplete" || tenant.initial_status === "failed") continue;
    const lastSynced = tenant.last_synced_at ? new Date(tenant.last_synced_at) : null;
    // A finished initial sync is as good as a reconciliation: the first one comes a period after it, not right after.
    const reconciledAt = tenant.last_reconcile ?? tenant.initial_done_at;
    const lastReconcile = reconciledAt ? new Date(reconciledAt) : null;
    let job: SyncJobName | undefined;
    // A stream that met a gap asked for a keyset read of the objects it could not follow: it goes first.
    const catchUp = tenant.catch_up_objects?.length ? tenant.catch_up_objects : null;
    const interval = tenant.streaming ? Math.max(tenant.interval_minutes, STREAMING_INTERVAL_MINUTES) : tenant.interval_minutes;
    if (tenant.has_push) job = "sync.push";
    else if (catchUp || !lastSynced || now.getTime() - lastSynced.getTime() >= interval * 60_000) job = "sync.incremental";
    else if (!lastReconcile || lastReconcile < reconcileBefore) job = "sync.reconcile";
    if (!job) continue;
    const kind = job.slice("sync.".length) as RunKind;
    const runId = await withTenant({ db: deps.database.db, tenantId: tenant.tenant_id }, async (tx) => {
      const run = await queueRun(tx, tenant.tenant_id, kind);
      // The run takes the stream's request over; a stream that meets another gap asks again.
      if (job === "sync.incremental" && catchUp) await tx.execute(sql`UPDATE cdc_streams SET catch_up_objects = NULL, updated_at = now()`);
      return run.id;
    });
    try {
      await deps.send(job, { tenantId: tenant.tenant_id, runId, ...(job === "sync.incremental" && catchUp ? { objects: catchUp } : {}) });
      sent.push({ tenantId: tenant.tenant_id, job });
    } catch (error) {
      await withTenant({ db: deps.database.db, tenantId: tenant.tenant_id }, (tx) => abandonQueuedRun(tx, runId, { failed: "The job could not be queued." }));
      throw error;
    }
  }
  return sent;
}

/**
 * Keeps scheduling for `durationMs`, a pass every `everyMs`: the worker runs this as a job sent
 * each minute by cron, so pushes leave within seconds while only one scheduler runs at a time.
 */
export async function runScheduler(deps: ScheduleDependencies & { durationMs: number; everyMs: number; signal?: AbortSignal }): Promise<number> {
  const until = Date.now() + deps.durationMs;
  let sent = 0;
  for (;;) {
    sent += (await scheduleSyncWork(deps)).length;
    if (Date.now() + deps.everyMs >= until || deps.signal?.aborted) return sent;
    await new Promise((resolve) => setTimeout(resolve, deps.everyMs));
  }
}
