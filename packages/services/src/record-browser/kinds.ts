import { sql, type SQL } from "drizzle-orm";
import { sfRecords } from "@ferry/db";

/** The record browser's tabs: People are Leads and Contacts together. */
export const recordKinds = ["people", "companies", "opportunities"] as const;
export type RecordKind = (typeof recordKinds)[number];

export const OBJECTS: Record<RecordKind, string[]> = {
  people: ["Lead", "Contact"],
  companies: ["Account"],
  opportunities: ["Opportunity"],
};

export const BROWSABLE = new Set(Object.values(OBJECTS).flat());

// Generated columns of migration 0005 (lower(Name), lower(trim(Email)), COLLATE "C"), indexed per
// tenant; conditions on them are index ranges even under row-level security.
export const nameKey: SQL<string> = sql<string>`"sf_records"."name_key"`;
export const emailKey: SQL<string> = sql<string>`"sf_records"."email_key"`;

export function objectFilter(kind: RecordKind): SQL {
  return kind === "people" ? sql`${sfRecords.object} in ('Lead', 'Contact')` : sql`${sfRecords.object} = ${OBJECTS[kind][0]}`;
}

/**
 * A prefix match as a key range, [prefix, next prefix): unlike LIKE with a bound parameter, a range
 * is an index condition in every plan, generic or custom. Byte order under COLLATE "C" is code
 * point order, so raising the last code unit gives the first key past the prefix.
 */
export function prefixRange(key: SQL, text: string): SQL {
  const from = text.toLowerCase();
  const to = from.slice(0, -1) + String.fromCharCode(from.charCodeAt(from.length - 1) + 1);
  return sql`${key} >= ${from} COLLATE "C" and ${key} < ${to} COLLATE "C"`;
}
