import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
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

/** A record's failure as Salesforce (or Ferry's conflict rule) gave it. */
export interface RecordFailure {
  sfId: string;
  code: string;
  message: string;
}

/** The record errors a push batch leaves: one per record Salesforce refused or the conflict rule kept back. */
export async function recordPushFailures(tx: Transaction, tenantId: string, runId: string, object: string, failures: RecordFailure[]): Promise<void> {
  if (!failures.length) return;
  await tx
    .insert(syncErrors)
    .values(
      failures.map((f) => ({ tenantId, runId, level: "record" as const, object, sfId: f.sfId, operation: "push_updates", code: f.code, message: f.message })),
    );
}

/** Salesforce accepted these records' edits: their earlier push errors are settled. */
export async function resolvePushErrors(tx: Transaction, object: string, sfIds: string[]): Promise<void> {
  if (!sfIds.length) return;
  await tx
    .update(syncErrors)
    .set({ state: "resolved", resolvedAt: new Date() })
    .where(
      and(
        eq(syncErrors.object, object),
        inArray(syncErrors.sfId, sfIds),
        eq(syncErrors.operation, "push_updates"),
        inArray(syncErrors.state, ["open", "retrying"]),
      ),
    );
}

/** Pulled records an admin asked to retry: the ones the engine has not read again yet. */
export function retriedReadErrors(object: string): SQL {
  return and(
    eq(syncErrors.level, "record"),
    eq(syncErrors.object, object),
    eq(syncErrors.state, "retrying"),
    sql`coalesce(${syncErrors.operation}, '') not like 'push%'`,
  )!;
}

/** A re-read of retried records: the ones that came back are resolved, the others open again with Salesforce's answer. */
export async function settleRetriedReads(
  tx: Transaction,
  runId: string,
  object: string,
  read: string[],
  failed: ReadonlyMap<string, Omit<RecordFailure, "sfId">>,
) {
  const mine = retriedReadErrors(object);
  if (read.length)
    await tx
      .update(syncErrors)
      .set({ state: "resolved", resolvedAt: new Date() })
      .where(and(mine, inArray(syncErrors.sfId, read)));
  for (const [sfId, answer] of failed) {
    await tx
      .update(syncErrors)
      .set({ state: "open", code: answer.code, message: answer.message, runId, createdAt: new Date() })
      .where(and(mine, eq(syncErrors.sfId, sfId)));
  }
}

/** An admin's decision on the errors `where` selects (always a selection: never every error of the tenant): retry them, or live with them (ignored). */
export async function decideSyncErrors(tx: Transaction, where: SQL, decision: "retrying" | "ignored") {
  return tx
    .update(syncErrors)
    .set({ state: decision, resolvedAt: decision === "ignored" ? new Date() : null })
    .where(where)
    .returning({
      id: syncErrors.id,
      level: syncErrors.level,
      runId: syncErrors.runId,
      object: syncErrors.object,
      sfId: syncErrors.sfId,
      operation: syncErrors.operation,
      code: syncErrors.code,
    });
}
