import { and, eq, inArray } from "drizzle-orm";
import { salesforceConnections, syncCheckpoints, syncRuns, syncStates, withTenant } from "@ferry/db";
import type { TenantJobName } from "@ferry/jobs";
import type { TenantContext } from "../context";
import { abandonQueuedRun, queueRun, type RunKind } from "../sync-state/runs";

export type SyncRunKind = RunKind;
export type SyncJobName = TenantJobName;

/** Sends a tenant's sync job to the per-tenant queue (the worker's `send`); null when the queue declined a duplicate. */
export type SyncJobSender = (name: SyncJobName, payload: { tenantId: string; runId: string }) => Promise<string | null>;

/**
 * Queues a run of `kind` now instead of waiting for the scheduler's next pass: after an edit (a
 * push) or a retry from the errors page. Nothing is queued while the sync is off, paused, failed
 * or the initial sync has not finished, or when a run of that kind is already waiting (it will do
 * the work). An initial sync that stopped is resumed under its own run id. Returns the run id sent,
 * or null when nothing was queued.
 */
export async function queueSyncRun(ctx: Pick<TenantContext, "db" | "tenantId">, send: SyncJobSender | undefined, kind: SyncRunKind): Promise<string | null> {
  if (!send) return null;
  const runId = await withTenant(ctx, async (tx) => {
    const [connection] = await tx
      .select({ state: salesforceConnections.state, enabled: salesforceConnections.syncEnabled })
      .from(salesforceConnections)
      .limit(1);
    if (!connection?.enabled || connection.state !== "syncing") return null;
    const [state] = await tx.select({ state: syncStates.state, paused: syncStates.pausedByAdmin }).from(syncStates).limit(1);
    if (state?.paused || state?.state === "failed") return null;
    if (kind === "initial") {
      const [initial] = await tx
        .select({ id: syncRuns.id })
        .from(syncRuns)
        .where(and(eq(syncRuns.kind, "initial"), inArray(syncRuns.status, ["incomplete", "failed"])))
        .limit(1);
      return initial?.id ?? null;
    }
    const [ready] = await tx.select({ object: syncCheckpoints.object }).from(syncCheckpoints).where(eq(syncCheckpoints.mode, "incremental")).limit(1);
    if (!ready) return null;
    const [waiting] = await tx
      .select({ id: syncRuns.id })
      .from(syncRuns)
      .where(and(eq(syncRuns.kind, kind), eq(syncRuns.status, "queued")))
      .limit(1);
    if (waiting) return null;
    return (await queueRun(tx, ctx.tenantId, kind)).id;
  });
  if (!runId) return null;
  let jobId: string | null;
  try {
    jobId = await send(`sync.${kind}`, { tenantId: ctx.tenantId, runId });
  } catch (error) {
    // A queued run nobody will work would block the scheduler for this tenant.
    if (kind !== "initial") await withTenant(ctx, (tx) => abandonQueuedRun(tx, runId, { failed: "The job could not be queued." }));
    throw error;
  }
  if (jobId === null && kind !== "initial") {
    // The queue declined it as a duplicate: a waiting job already does this work, and a run row
    // without a job would keep the scheduler away from the tenant.
    await withTenant(ctx, (tx) => abandonQueuedRun(tx, runId, "dropped"));
    return null;
  }
  return runId;
}
