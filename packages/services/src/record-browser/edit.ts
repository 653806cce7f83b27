import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { sfRecords, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError, ValidationError } from "../errors";
import { queueSyncRun, type SyncJobSender } from "../sync-runs/enqueue";
import { queuePush } from "../sync-state/push-queue";
import { recordRefInput, twoWayFields } from "./view";

export const editRecordInput = recordRefInput.extend({
  changes: z
    .record(z.string().min(1).max(80), z.union([z.string().max(32_000), z.number(), z.boolean(), z.null()]))
    .refine((c) => Object.keys(c).length > 0, "Change at least one field."),
});

/**
 * Queues an edit of two-way fields for Salesforce. Ferry's copy is not changed here: the push run
 * writes it once Salesforce accepted the change, so the record never shows a value Salesforce refused.
 * The base SystemModstamp lets the push detect a newer change made in Salesforce meanwhile.
 * A push run is queued at once (with a sender), so the outcome shows within seconds rather than
 * at the scheduler's next pass; if queueing fails the edit stays queued for that pass.
 */
export async function editRecord({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.input<typeof editRecordInput>;
  runtime?: { enqueueSync?: SyncJobSender | undefined } | undefined;
}) {
  requireRole(ctx, "admin");
  const edit = editRecordInput.parse(input);
  const push = await withTenant(ctx, async (tx) => {
    const [record] = await tx
      .select({ fields: sfRecords.fields, systemModstamp: sfRecords.systemModstamp, isDeleted: sfRecords.isDeleted })
      .from(sfRecords)
      .where(and(eq(sfRecords.object, edit.object), eq(sfRecords.sfId, edit.sfId)))
      .limit(1);
    if (!record) throw new NotFoundError("This record is not in Ferry.");
    if (record.isDeleted) throw new ValidationError("This record was deleted in Salesforce; restore it there before editing.");
    const editable = await twoWayFields(tx, edit.object);
    const changes: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(edit.changes)) {
      if (!editable.has(field))
        throw new ValidationError(`${field} is not a two-way field; map it two-way under Admin > Salesforce to edit it here.`, `changes.${field}`);
      if ((record.fields[field] ?? null) !== value) changes[field] = value;
    }
    if (Object.keys(changes).length === 0) throw new ValidationError("Nothing changed: the values are the ones Ferry already has.");
    const push = await queuePush(tx, {
      tenantId: ctx.tenantId,
      object: edit.object,
      sfId: edit.sfId,
      changes,
      baseModstamp: record.systemModstamp,
      editedBy: ctx.actor.userId,
    });
    await recordAudit(tx, ctx, {
      action: "record.edit",
      targetType: edit.object,
      targetId: edit.sfId,
      details: { fields: Object.keys(changes), pushId: push.id },
    });
    return push;
  });
  const pushRunId = await queueSyncRun(ctx, runtime?.enqueueSync, "push").catch(() => null);
  return { ...push, pushRunId };
}
