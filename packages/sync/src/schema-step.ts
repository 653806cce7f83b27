import { and, eq, inArray } from "drizzle-orm";
import { fieldCatalog, fieldMappings, type Transaction } from "@ferry/db";
import { createNotification } from "@ferry/services";
import type { DescribedField } from "./shape/objects";

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
  const notification = await createNotification(
    tx,
    { tenantId },
    {
      kind: "schema_changed",
      title: `Salesforce ${object} fields changed`,
      body: await describeChanges(tx, object, changes),
    },
  );
  return { changes, notification };
}

/**
 * What changed and what it means for the tenant's mappings: a new field is stored but feeds no
 * Ferry field until mapped; a mapped field that vanished or changed type stops updating its Ferry
 * field (its last values stay) until the admin remaps it. Kept within a notification's 500 characters.
 */
async function describeChanges(tx: Transaction, object: string, changes: SchemaChanges): Promise<string> {
  const affected = [...changes.dropped, ...changes.retyped];
  const mapped = affected.length
    ? await tx
        .select({ sfField: fieldMappings.sfField, ferryField: fieldMappings.ferryField })
        .from(fieldMappings)
        .where(and(eq(fieldMappings.object, object), inArray(fieldMappings.sfField, affected)))
    : [];
  const list = (names: string[]) => (names.length > 4 ? `${names.slice(0, 4).join(", ")} and ${names.length - 4} more` : names.join(", "));
  const parts: string[] = [];
  if (changes.added.length)
    parts.push(`New: ${list(changes.added)} — stored from now on, feeding no Ferry field until you map ${changes.added.length === 1 ? "it" : "them"}.`);
  if (changes.dropped.length) parts.push(`No longer visible to the sync user: ${list(changes.dropped)}.`);
  if (changes.retyped.length) parts.push(`Type changed: ${list(changes.retyped)}.`);
  if (mapped.length) {
    const pairs = mapped.map((m) => `${m.sfField} → ${m.ferryField}`);
    parts.push(`Mappings stopped: ${list(pairs)} keep their last values and no longer sync until remapped under Admin > Salesforce.`);
  } else if (affected.length) {
    parts.push("None of these was mapped to a Ferry field; they are left out of the sync.");
  }
  const body = parts.join(" ");
  return body.length > 500 ? `${body.slice(0, 499)}…` : body;
}
