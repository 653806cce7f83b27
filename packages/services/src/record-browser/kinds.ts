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

// Generated columns (lower(Name), lower(trim(Email)), COLLATE "C"), indexed per tenant;
// conditions on them are index ranges even under row-level security.
export const nameKey: SQL<string> = sql<string>`${sfRecords.nameKey}`;
export const emailKey: SQL<string> = sql<string>`${sfRecords.emailKey}`;

export function objectFilter(kind: RecordKind): SQL {
  return kind === "people" ? sql`${sfRecords.object} in ('Lead', 'Contact')` : sql`${sfRecords.object} = ${OBJECTS[kind][0]}`;
}

/**
 * A prefix match as a key range, [prefix, next prefix): unlike LIKE with a bound parameter, a range
 * is an index condition in every plan, generic or custom. Byte order under COLLATE "C" (UTF-8) is
 * code point order, so the first key past the prefix raises its last code point.
 */
export function prefixRange(key: SQL, text: string): SQL {
  const from = text.toLowerCase();
  const to = nextPrefix(from);
  return to === undefined ? sql`${key} >= ${from} COLLATE "C"` : sql`${key} >= ${from} COLLATE "C" and ${key} < ${to} COLLATE "C"`;
}

const MAX_CODE_POINT = 0x10ffff;

/**
 * The smallest string greater than every string starting with `prefix`, in code point order; undefined
 * when there is none (the prefix is all U+10FFFF). Works on code points, not UTF-16 units: raising
 * U+FFFF's unit wrapped to U+0000, and raising a low surrogate split an astral character.
 */
export function nextPrefix(prefix: string): string | undefined {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === MAX_CODE_POINT) continue;
    // Surrogate code points are not characters: the next one after U+D7FF is U+E000.
    const next = last + 1 === 0xd800 ? 0xe000 : last + 1;
    return String.fromCodePoint(...points, next);
  }
  return undefined;
}
