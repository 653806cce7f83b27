import { and, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { pushQueue, syncErrors, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError } from "../errors";
import { errorSelectionInput, selectionWhere } from "./select";

/**
 * Marks errors for retry. Push errors put their record's failed pushes back in the queue the
 * engine's push run drains; pull and job errors are `retrying` until the engine's next cycle
 * re-reads the record and resolves (or re-opens) them.
 */
export async function retrySyncErrors({ ctx, input }: { ctx: TenantContext; input: z.input<typeof errorSelectionInput> }) {
  requireRole(ctx, "admin");
  const selection = errorSelectionInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .update(syncErrors)
      .set({ state: "retrying", resolvedAt: null })
      .where(selectionWhere(selection, ["open", "ignored"]))
      .returning({ id: syncErrors.id, object: syncErrors.object, sfId: syncErrors.sfId, operation: syncErrors.operation, code: syncErrors.code });
    if (rows.length === 0) throw new NotFoundError("No open errors match; they may have been retried or resolved already.");
    let requeued = 0;
    const pushed = rows.filter((r) => r.operation?.startsWith("push") && r.object && r.sfId);
    for (const object of new Set(pushed.map((r) => r.object!))) {
      const ids = pushed.filter((r) => r.object === object).map((r) => r.sfId!);
      const again = await tx
        .update(pushQueue)
        .set({ state: "queued", errorCode: null, errorMessage: null, updatedAt: new Date(), attempts: sql`0` })
        .where(and(eq(pushQueue.object, object), inArray(pushQueue.sfId, ids), inArray(pushQueue.state, ["failed", "conflict"])))
        .returning({ id: pushQueue.id });
      requeued += again.length;
    }
    await recordAudit(tx, ctx, {
      action: "sync_errors.retry",
      targetType: "sync_error",
      targetId: selection.code ?? rows[0]!.id,
      details: { count: rows.length, code: selection.code ?? null, requeuedPushes: requeued },
    });
    return { retried: rows.length, requeuedPushes: requeued };
  });
}
