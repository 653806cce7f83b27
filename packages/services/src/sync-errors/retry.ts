import { inArray } from "drizzle-orm";
import type { z } from "zod";
import { syncRuns, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError } from "../errors";
import { queueSyncRun, type SyncJobSender, type SyncRunKind } from "../sync-runs/enqueue";
import { decideSyncErrors } from "../sync-state/errors";
import { requeueFailedPushes } from "../sync-state/push-queue";
import { errorSelectionInput, selectionWhere } from "./select";

/**
 * Marks errors for retry. Push errors put their record's failed pushes back in the queue the
 * engine's push run drains; pull and job errors are `retrying` until the engine's next cycle
 * re-reads the record (or runs the job again) and resolves or re-opens them. With a sender the
 * runs that settle them are queued at once instead of at the scheduler's next pass.
 */
export async function retrySyncErrors({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.input<typeof errorSelectionInput>;
  runtime?: { enqueueSync?: SyncJobSender | undefined } | undefined;
}) {
  requireRole(ctx, "admin");
  const selection = errorSelectionInput.parse(input);
  const outcome = await withTenant(ctx, async (tx) => {
    const rows = await decideSyncErrors(tx, selectionWhere(selection, ["open", "ignored"]), "retrying");
    if (rows.length === 0) throw new NotFoundError("No open errors match; they may have been retried or resolved already.");
    let requeued = 0;
    const pushed = rows.filter((r) => r.operation?.startsWith("push") && r.object && r.sfId);
    for (const object of new Set(pushed.map((r) => r.object!))) {
      const ids = pushed.filter((r) => r.object === object).map((r) => r.sfId!);
      requeued += await requeueFailedPushes(tx, object, ids);
    }
    await recordAudit(tx, ctx, {
      action: "sync_errors.retry",
      targetType: "sync_error",
      targetId: selection.code ?? rows[0]!.id,
      details: { count: rows.length, code: selection.code ?? null, requeuedPushes: requeued },
    });
    // What settles each error: a push run for pushes, a read cycle for pulled records, the job's own kind again for job errors.
    const kinds = new Set<SyncRunKind>();
    if (requeued > 0) kinds.add("push");
    if (rows.some((r) => r.level === "record" && !r.operation?.startsWith("push"))) kinds.add("incremental");
    const jobRuns = [...new Set(rows.filter((r) => r.level === "job" && r.runId).map((r) => r.runId!))];
    if (jobRuns.length) {
      for (const run of await tx.select({ kind: syncRuns.kind }).from(syncRuns).where(inArray(syncRuns.id, jobRuns))) kinds.add(run.kind);
    }
    if (rows.some((r) => r.level === "job" && !r.runId)) kinds.add("incremental");
    return { retried: rows.length, requeuedPushes: requeued, kinds };
  });
  const queued: SyncRunKind[] = [];
  for (const kind of outcome.kinds) {
    if (await queueSyncRun(ctx, runtime?.enqueueSync, kind).catch(() => null)) queued.push(kind);
  }
  return { retried: outcome.retried, requeuedPushes: outcome.requeuedPushes, queued };
}
