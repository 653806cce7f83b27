import { and, isNotNull, lt, sql } from "drizzle-orm";
import { syncErrors, syncRunObjects, syncRuns, type Transaction } from "@ferry/db";

/**
 * Sync history and sync errors older than the retention window, across tenants (the platform's
 * prune job). Runs still open are kept whatever their age; a run's object rows go with it.
 */
export async function pruneSyncHistory(tx: Transaction, cutoff: Date) {
  const runs = await tx
    .delete(syncRuns)
    .where(and(lt(syncRuns.startedAt, cutoff), isNotNull(syncRuns.finishedAt)))
    .returning({ tenantId: syncRuns.tenantId, id: syncRuns.id });
  const objects = await tx
    .delete(syncRunObjects)
    .where(
      and(
        lt(syncRunObjects.startedAt, cutoff),
        sql`not exists (select 1 from ${syncRuns} where ${syncRuns.tenantId} = ${syncRunObjects.tenantId} and ${syncRuns.id} = ${syncRunObjects.runId})`,
      ),
    )
    .returning({ runId: syncRunObjects.runId });
  const errors = await tx.delete(syncErrors).where(lt(syncErrors.createdAt, cutoff)).returning({ id: syncErrors.id });
  return { syncRuns: runs.length, syncRunObjects: objects.length, syncErrors: errors.length };
}
