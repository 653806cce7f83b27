import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { fieldCatalog, fieldMappings, pushQueue, sfRecords, syncErrors, withTenant, type Transaction } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError } from "../errors";
import { explainError } from "../sync-errors/explanations";
import { pushColumns } from "../sync-state/push-queue";
import { instanceUrlOf, salesforceRecordUrl } from "../sync-errors/list";
import { BROWSABLE } from "./kinds";

export const recordRefInput = z.object({
  object: z.string().refine((o) => BROWSABLE.has(o), "Records of this object are not browsable."),
  sfId: z.string().min(15).max(18),
});

/** Fields an admin may edit in Ferry: mapped two-way, writable in Salesforce, still in the org. */
export async function twoWayFields(tx: Transaction, object: string): Promise<Set<string>> {
  const rows = await tx
    .select({ name: fieldMappings.sfField })
    .from(fieldMappings)
    .innerJoin(
      fieldCatalog,
      and(eq(fieldCatalog.tenantId, fieldMappings.tenantId), eq(fieldCatalog.object, fieldMappings.object), eq(fieldCatalog.fieldName, fieldMappings.sfField)),
    )
    .where(and(eq(fieldMappings.object, object), eq(fieldMappings.direction, "two_way"), eq(fieldCatalog.writable, true), eq(fieldCatalog.state, "active")));
  return new Set(rows.map((r) => r.name));
}

/** A push as the record page shows it; an edit returns the same so the page can show it queued at once. */
/** One record with every synced field (labelled from the catalog), its links, pushes and errors. */
export async function viewRecord({ ctx, input }: { ctx: TenantContext; input: z.input<typeof recordRefInput> }) {
  requireRole(ctx, "viewer");
  const ref = recordRefInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const [record] = await tx
      .select()
      .from(sfRecords)
      .where(and(eq(sfRecords.object, ref.object), eq(sfRecords.sfId, ref.sfId)))
      .limit(1);
    if (!record) throw new NotFoundError("This record is not in Ferry (it may not have synced yet, or belongs to another tenant).");
    const catalog = await tx
      .select({ name: fieldCatalog.fieldName, label: fieldCatalog.label, type: fieldCatalog.type })
      .from(fieldCatalog)
      .where(eq(fieldCatalog.object, ref.object))
      .orderBy(asc(fieldCatalog.label));
    const editable = await twoWayFields(tx, ref.object);
    const pushes = await tx
      .select(pushColumns)
      .from(pushQueue)
      .where(and(eq(pushQueue.object, ref.object), eq(pushQueue.sfId, ref.sfId)))
      .orderBy(desc(pushQueue.createdAt))
      .limit(20);
    const errors = await tx
      .select({
        id: syncErrors.id,
        code: syncErrors.code,
        message: syncErrors.message,
        state: syncErrors.state,
        operation: syncErrors.operation,
        createdAt: syncErrors.createdAt,
      })
      .from(syncErrors)
      .where(and(eq(syncErrors.object, ref.object), eq(syncErrors.sfId, ref.sfId), inArray(syncErrors.state, ["open", "retrying"])))
      .orderBy(desc(syncErrors.createdAt))
      .limit(20);
    const labels = new Map(catalog.map((c) => [c.name, c]));
    const names = new Set([...catalog.map((c) => c.name), ...Object.keys(record.fields)]);
    const fields = [...names]
      .map((name) => ({
        name,
        label: labels.get(name)?.label ?? name,
        type: labels.get(name)?.type ?? "string",
        value: (record.fields[name] ?? null) as string | number | boolean | null,
        editable: editable.has(name),
      }))
      .sort((a, b) => Number(b.editable) - Number(a.editable) || a.label.localeCompare(b.label));
    const instanceUrl = await instanceUrlOf(tx);
    return {
      object: record.object,
      sfId: record.sfId,
      name: (record.fields.Name as string | undefined) ?? record.sfId,
      isDeleted: record.isDeleted,
      deletedAt: record.deletedAt,
      convertedToId: record.convertedToId,
      systemModstamp: record.systemModstamp,
      syncedAt: record.syncedAt,
      salesforceUrl: salesforceRecordUrl(instanceUrl, record.sfId),
      fields,
      pushes,
      errors: errors.map((e) => ({ ...e, explanation: explainError(e.code) })),
    };
  });
}
