import { and, eq, inArray, sql } from "drizzle-orm";
import { syncErrors, syncRuns, type Transaction } from "@ferry/db";

/**
 * Job-level errors follow the runs: a run that failed leaves one in Sync errors (or, when an admin
 * retried an earlier failure of the same kind, that error reopens with the new message), and a run
 * that succeeds settles the retried failures of its kind.
 */
export async function settleJobErrors(
  tx: Transaction,
  runId: string,
  outcome: { status: "succeeded" } | { status: "failed"; code: string; message: string },
): Promise<void> {
  const [run] = await tx.select({ kind: syncRuns.kind }).from(syncRuns).where(eq(syncRuns.id, runId)).limit(1);
  if (!run) return;
  const retriedOfKind = and(
    eq(syncErrors.level, "job"),
    eq(syncErrors.state, "retrying"),
    inArray(syncErrors.runId, tx.select({ id: syncRuns.id }).from(syncRuns).where(eq(syncRuns.kind, run.kind))),
  );
  if (outcome.status === "succeeded") {
    await tx.update(syncErrors).set({ state: "resolved", resolvedAt: new Date() }).where(retriedOfKind);
    return;
  }
  const reopened = await tx
    .update(syncErrors)
    .set({ state: "open", code: outcome.code, message: outcome.message, runId, resolvedAt: null, createdAt: new Date() })
    .where(retriedOfKind)
    .returning({ id: syncErrors.id });
  if (reopened.length > 0) return;
  await tx.insert(syncErrors).values({
    tenantId: sql`current_setting('app.tenant_id')`,
    runId,
    level: "job",
    operation: run.kind,
    code: outcome.code,
    message: outcome.message,
  });
}
