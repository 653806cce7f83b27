import type { Connection } from "jsforce";
import type { DescribedField, DescribedObject, MissingField, OrgSchema } from "@ferry/services";
import { SYNC_OBJECTS, UNSYNCABLE_TYPES, type SyncObject } from "../objects";
import { translateSalesforceError } from "./errors";
import { REQUIRED_FIELDS } from "./required-fields";

const fixFor = (object: string, field: string) =>
  `In Salesforce Setup > Object Manager > ${object} > Fields & Relationships > ${field} > Set Field-Level Security, make the field visible to the sync user's profile (or grant it in a permission set), then run Sync Fields again.`;

/** Describes the synced objects as the sync user sees them (hidden fields are simply absent). */
export async function describeSyncedObjects(connection: Connection): Promise<OrgSchema> {
  const objects = await Promise.all(
    SYNC_OBJECTS.map(async (name): Promise<DescribedObject> => {
      try {
        const d = await connection.sobject(name).describe();
        // The catalog lists what the engine can read: compound fields come as their components.
        const fields = d.fields
          .filter((f) => !UNSYNCABLE_TYPES.has(f.type))
          .map(
            (f): DescribedField => ({
              name: f.name,
              label: f.label,
              type: f.type,
              length: typeof f.length === "number" && f.length > 0 ? f.length : null,
              referenceTo: (f.referenceTo ?? []).filter((r): r is string => typeof r === "string"),
              picklistValues: (f.picklistValues ?? []).filter((p) => p.active !== false).map((p) => p.value),
              writable: Boolean(f.updateable),
              custom: Boolean(f.custom),
              requiredByFerry: REQUIRED_FIELDS[name].includes(f.name),
            }),
          );
        return { name, label: d.label, accessible: d.queryable !== false, fields };
      } catch (error) {
        const translated = translateSalesforceError(error);
        if (translated.code === "INVALID_TYPE" || translated.code === "NOT_FOUND") return { name, label: name, accessible: false, fields: [] };
        throw translated;
      }
    }),
  );
  const missing: MissingField[] = [];
  for (const object of objects) {
    const present = new Set(object.fields.map((f) => f.name));
    for (const field of REQUIRED_FIELDS[object.name as SyncObject]) {
      if (!present.has(field)) {
        missing.push({
          object: object.name,
          field,
          fix: object.accessible
            ? fixFor(object.name, field)
            : `The sync user cannot read ${object.name}. Give its profile or a permission set Read access to ${object.name}, then run Sync Fields again.`,
        });
      }
    }
  }
  return { objects, missing };
}
