import { z } from "zod";
import { fieldCatalog, fieldMappings, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, ValidationError } from "../errors";
import type { DescribedField, SalesforceRuntime } from "../connection/gateway";
import { loadConnection, requireState, withStoredLogin } from "../connection/stored";
import { defaultFerryField } from "../mappings/ferry-fields";
import { setConnectionStatus } from "../sync-state/connection";

const apiName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a Salesforce API name");

export const commitCatalogInput = z.object({
  excluded: z.array(z.object({ object: apiName, field: apiName })).max(5000),
  acknowledgedPermanent: z.literal(true, { error: "Tick that you understand the included fields are created permanently." }),
});

/**
 * "Sync Fields", step two: describes again (the preview may be stale), refuses while a field the
 * sync needs is hidden, then creates the catalog and the default mappings in one transaction.
 */
export async function commitFieldCatalog({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.infer<typeof commitCatalogInput>;
  runtime: SalesforceRuntime;
}) {
  requireRole(ctx, "admin");
  const parsed = commitCatalogInput.parse(input);
  requireState(await withTenant(ctx, loadConnection), ["validated"], "sync the fields");
  const described = await withStoredLogin(ctx, runtime, (credentials) => runtime.gateway.describe(credentials));
  const { objects, missing } = described.schema;
  if (missing.length > 0) {
    const list = missing.map((m) => `${m.object}.${m.field}`).join(", ");
    throw new ValidationError(`The sync user cannot see fields Ferry needs: ${list}. ${missing[0]!.fix}`);
  }
  const known = new Map<string, DescribedField>(objects.flatMap((o) => o.fields.map((f) => [`${o.name}.${f.name}`, f] as const)));
  const excluded = new Set<string>();
  for (const e of parsed.excluded) {
    const key = `${e.object}.${e.field}`;
    const field = known.get(key);
    if (!field) throw new ValidationError(`${key} is not a field the sync user can see; run the preview again.`);
    if (field.requiredByFerry) throw new ValidationError(`${key} is needed for the sync to work and cannot be excluded.`);
    excluded.add(key);
  }

  return withTenant(ctx, async (tx) => {
    const row = requireState(await loadConnection(tx), ["validated"], "sync the fields");
    if (row.orgId !== described.orgId) throw new ConflictError("The stored credentials now reach a different org; validate them again.");
    const now = new Date();
    const catalogRows = objects.flatMap((o) =>
      o.fields.map((f) => ({
        tenantId: ctx.tenantId,
        object: o.name,
        fieldName: f.name,
        label: f.label,
        type: f.type,
        length: f.length,
        referenceTo: f.referenceTo,
        picklistValues: f.picklistValues,
        writable: f.writable,
        custom: f.custom,
        requiredByFerry: f.requiredByFerry,
        excluded: excluded.has(`${o.name}.${f.name}`),
      })),
    );
    const mappingRows = catalogRows.flatMap((c) => {
      const ferryField = c.excluded ? undefined : defaultFerryField(c.object, c.fieldName, c.custom);
      return ferryField ? [{ tenantId: ctx.tenantId, object: c.object, sfField: c.fieldName, ferryField, direction: "pull" as const }] : [];
    });
    await tx.delete(fieldMappings);
    await tx.delete(fieldCatalog);
    for (let i = 0; i < catalogRows.length; i += 500) await tx.insert(fieldCatalog).values(catalogRows.slice(i, i + 500));
    if (mappingRows.length) await tx.insert(fieldMappings).values(mappingRows);
    await setConnectionStatus(tx, "fields_synced", { fieldsSyncedAt: now });
    const counts = { fields: catalogRows.length, excluded: excluded.size, mappings: mappingRows.length };
    await recordAudit(tx, ctx, { action: "salesforce.fields.sync", targetType: "field_catalog", details: counts });
    return counts;
  });
}
