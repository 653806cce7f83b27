import { and, eq } from "drizzle-orm";
import { fieldCatalog, type Transaction } from "@ferry/db";
import { createNotification } from "@ferry/services";
import type { DescribedField } from "./model/objects";

export interface SchemaChanges {
  added: string[];
  dropped: string[];
  retyped: string[];
}

/**
 * Each cycle compares what Salesforce shows the sync user with the tenant's field catalog: new
 * visible fields are catalogued and synced from now on; fields that vanished or changed type are
 * flagged for the admin and left out of the query, so the cycle carries on instead of failing.
 * A tenant without a catalog syncs every readable field and has nothing to compare.
 */
export async function applySchemaStep(tx: Transaction, tenantId: string, object: string, described: DescribedField[]) {
  const catalog = await tx.select().from(fieldCatalog).where(eq(fieldCatalog.object, object));
  const changes: SchemaChanges = { added: [], dropped: [], retyped: [] };
  if (catalog.length === 0) return { changes, notification: undefined };
  const byName = new Map(described.map((f) => [f.name, f]));
  const known = new Set(catalog.map((c) => c.fieldName));
  for (const field of described) {
    if (known.has(field.name)) continue;
    await tx.insert(fieldCatalog).values({
      tenantId,
      object,
      fieldName: field.name,
      label: field.label ?? field.name,
      type: field.type,
      length: field.length ?? null,
      referenceTo: field.referenceTo?.length ? field.referenceTo : null,
      writable: field.updateable ?? false,
      custom: field.custom ?? false,
    });
    changes.added.push(field.name);
  }
  for (const entry of catalog) {
    const now = byName.get(entry.fieldName);
    const where = and(eq(fieldCatalog.object, object), eq(fieldCatalog.fieldName, entry.fieldName));
    if (!now && entry.state !== "dropped") {
      await tx.update(fieldCatalog).set({ state: "dropped", updatedAt: new Date() }).where(where);
      changes.dropped.push(entry.fieldName);
    } else if (now && now.type !== entry.type && entry.state !== "retyped") {
      await tx.update(fieldCatalog).set({ state: "retyped", previousType: entry.type, updatedAt: new Date() }).where(where);
      changes.retyped.push(entry.fieldName);
    }
  }
  if (!changes.added.length && !changes.dropped.length && !changes.retyped.length) return { changes, notification: undefined };
  const parts = [
    changes.added.length ? `new: ${changes.added.join(", ")}` : "",
    changes.dropped.length ? `no longer visible: ${changes.dropped.join(", ")}` : "",
    changes.retyped.length ? `type changed: ${changes.retyped.join(", ")}` : "",
  ].filter(Boolean);
  const notification = await createNotification(tx, { tenantId }, {
    kind: "schema_changed",
    title: `Salesforce ${object} fields changed`,
    body: `${parts.join("; ")}`.slice(0, 480) + (changes.dropped.length || changes.retyped.length ? " — review them under Admin > Fields." : ""),
  });
  return { changes, notification };
}
