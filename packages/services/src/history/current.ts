import { asc, desc, eq, inArray } from "drizzle-orm";
import { syncRunObjects, syncRuns, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

const ACTIVE = ["queued", "in_progress", "paused"] as const;

/**
 * The run the progress page shows: the active one, else the most recent. The page draws from these
 * committed counters on load and after a reconnect, then moves on with `sync.progress` events.
 */
export async function viewCurrentRun({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, async (tx) => {
    const columns = {
      id: syncRuns.id,
      kind: syncRuns.kind,
      status: syncRuns.status,
      phase: syncRuns.phase,
      error: syncRuns.error,
      errorCode: syncRuns.errorCode,
      apiCalls: syncRuns.apiCalls,
      resumesAt: syncRuns.resumesAt,
      startedAt: syncRuns.startedAt,
      finishedAt: syncRuns.finishedAt,
    };
    const [active] = await tx.select(columns).from(syncRuns).where(inArray(syncRuns.status, [...ACTIVE])).orderBy(desc(syncRuns.startedAt)).limit(1);
    const run = active ?? (await tx.select(columns).from(syncRuns).orderBy(desc(syncRuns.startedAt)).limit(1))[0];
    if (!run) return { run: null, objects: [], at: new Date().toISOString() };
    const objects = await tx
      .select({
        object: syncRunObjects.object,
        operation: syncRunObjects.operation,
        status: syncRunObjects.status,
        total: syncRunObjects.total,
        processed: syncRunObjects.processed,
        created: syncRunObjects.created,
        updated: syncRunObjects.updated,
        deleted: syncRunObjects.deleted,
        failed: syncRunObjects.failed,
        skipped: syncRunObjects.skipped,
        startedAt: syncRunObjects.startedAt,
        finishedAt: syncRunObjects.finishedAt,
      })
      .from(syncRunObjects)
      .where(eq(syncRunObjects.runId, run.id))
      .orderBy(asc(syncRunObjects.startedAt), asc(syncRunObjects.object));
    return { run, objects, at: new Date().toISOString() };
  });
}
