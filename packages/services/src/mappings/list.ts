import { asc } from "drizzle-orm";
import { fieldCatalog, fieldMappings, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { loadConnection } from "../connection/stored";
import { customFerryFields, entityOf, ferryEntities, standardFerryFields, type FerryField } from "./ferry-fields";

export const MAPPINGS_LOCKED_NOTE =
  "The sync has started, so the mappings are read-only: changing them now would leave records synced under two different rules.";

/** Every mappable catalog field with its current mapping, and the Ferry fields it could feed. */
export async function listMappings({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    const catalog = await tx.select().from(fieldCatalog).orderBy(asc(fieldCatalog.object), asc(fieldCatalog.fieldName));
    const mappings = await tx.select().from(fieldMappings);
    const byKey = new Map(mappings.map((m) => [`${m.object}.${m.sfField}`, m]));
    const ferryFields: FerryField[] = [...standardFerryFields, ...customFerryFields(catalog)];
    const state = row?.state ?? "not_connected";
    const editable = state === "confirmed" || state === "ready";
    return {
      state,
      editable,
      lockedNote: editable
        ? null
        : ["syncing", "paused", "failed"].includes(state)
          ? MAPPINGS_LOCKED_NOTE
          : "Mappings can be edited after Confirm Credentials.",
      entities: Object.entries(ferryEntities).map(([id, e]) => ({ id, label: e.label, sources: [...e.sources] })),
      ferryFields,
      fields: catalog
        .filter((c) => entityOf(c.object) && !c.excluded)
        .map((c) => {
          const m = byKey.get(`${c.object}.${c.fieldName}`);
          return {
            object: c.object,
            sfField: c.fieldName,
            label: c.label,
            type: c.type,
            writable: c.writable,
            custom: c.custom,
            entity: entityOf(c.object)!,
            ferryField: m?.ferryField ?? null,
            direction: m?.direction ?? null,
          };
        }),
    };
  });
}
