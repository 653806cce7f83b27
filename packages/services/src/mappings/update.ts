import { and, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { fieldCatalog, fieldMappings, mappingDirections, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, NotFoundError, ValidationError } from "../errors";
import { loadConnection } from "../connection/stored";
import { customFerryFields, incompatibility, standardFerryFields, twoWayProblem } from "./ferry-fields";
import { MAPPINGS_LOCKED_NOTE } from "./list";

const apiName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a Salesforce API name");

export const updateMappingInput = z.object({
  object: apiName,
  sfField: apiName,
  /** null breaks the mapping: the field is still synced, but feeds no Ferry field. */
  ferryField: z.string().min(1).max(120).nullable(),
  direction: z.enum(mappingDirections),
});

/** Remaps, breaks or re-directs one field's mapping; only between Confirm Credentials and Start Sync. */
export async function updateMapping({ ctx, input }: { ctx: TenantContext; input: z.infer<typeof updateMappingInput> }) {
  requireRole(ctx, "admin");
  const parsed = updateMappingInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    const state = row?.state ?? "not_connected";
    if (["syncing", "paused", "failed"].includes(state)) throw new ConflictError(MAPPINGS_LOCKED_NOTE);
    if (state !== "confirmed" && state !== "ready") throw new ConflictError("Mappings can be edited after Sync Fields and Confirm Credentials.");
    const [sf] = await tx
      .select()
      .from(fieldCatalog)
      .where(and(eq(fieldCatalog.object, parsed.object), eq(fieldCatalog.fieldName, parsed.sfField)));
    if (!sf || sf.excluded)
      throw new NotFoundError(`${parsed.object}.${parsed.sfField} is not in the field catalog (it was excluded or the sync user cannot see it).`);
    const key = { object: parsed.object, sfField: parsed.sfField };
    if (parsed.ferryField === null) {
      await tx.delete(fieldMappings).where(and(eq(fieldMappings.object, key.object), eq(fieldMappings.sfField, key.sfField)));
      await recordAudit(tx, ctx, { action: "salesforce.mapping.break", targetType: "field_mapping", targetId: `${key.object}.${key.sfField}` });
      return { ...key, ferryField: null, direction: null };
    }
    const catalog = await tx.select().from(fieldCatalog);
    const ferry = [...standardFerryFields, ...customFerryFields(catalog)].find((f) => f.id === parsed.ferryField);
    if (!ferry) throw new ValidationError(`There is no Ferry field "${parsed.ferryField}".`, "ferryField");
    const incompatible = incompatibility(sf, ferry);
    if (incompatible) throw new ValidationError(incompatible, "ferryField");
    if (parsed.direction === "two_way") {
      const problem = twoWayProblem(sf, ferry);
      if (problem) throw new ValidationError(problem, "direction");
    }
    const [taken] = await tx
      .select({ sfField: fieldMappings.sfField })
      .from(fieldMappings)
      .where(and(eq(fieldMappings.object, key.object), eq(fieldMappings.ferryField, ferry.id), ne(fieldMappings.sfField, key.sfField)));
    if (taken) {
      throw new ConflictError(
        `${key.object}.${taken.sfField} already feeds ${ferry.label}; break that mapping first (one ${key.object} field per Ferry field).`,
      );
    }
    const now = new Date();
    await tx
      .insert(fieldMappings)
      .values({ tenantId: ctx.tenantId, ...key, ferryField: ferry.id, direction: parsed.direction })
      .onConflictDoUpdate({
        target: [fieldMappings.tenantId, fieldMappings.object, fieldMappings.sfField],
        set: { ferryField: ferry.id, direction: parsed.direction, updatedAt: now },
      });
    await recordAudit(tx, ctx, {
      action: "salesforce.mapping.update",
      targetType: "field_mapping",
      targetId: `${key.object}.${key.sfField}`,
      details: { ferryField: ferry.id, direction: parsed.direction },
    });
    return { ...key, ferryField: ferry.id, direction: parsed.direction };
  });
}
