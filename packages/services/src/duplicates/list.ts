import { and, eq, inArray, isNotNull, isNull, sql } from "drizzle-orm";
import { z } from "zod";
import { sfRecords, withTenant, type Transaction } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { toCsv } from "../history/csv";
import { emailKey } from "../record-browser/kinds";

export const duplicatesInput = z.object({
  /** The normalised email of the last group shown: the groups after it. */
  after: z.string().max(320).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

// Converted Leads share their email with the Contact they became: that is one person, not a duplicate.
export const people = and(
  eq(sfRecords.isDeleted, false),
  isNull(sfRecords.convertedToId),
  sql`${sfRecords.object} in ('Lead', 'Contact')`,
  sql`${emailKey} <> ''`,
  isNotNull(sql`${sfRecords.fields}->>'Email'`),
);

async function groups(tx: Transaction, tenantId: string, after: string | undefined, limit: number) {
  const keys = await tx
    .select({ email: sql<string>`${emailKey}`, count: sql<number>`count(*)::int` })
    .from(sfRecords)
    .where(and(eq(sfRecords.tenantId, tenantId), people, after ? sql`${emailKey} > ${after} COLLATE "C"` : undefined))
    .groupBy(emailKey)
    .having(sql`count(*) > 1`)
    .orderBy(emailKey)
    .limit(limit);
  if (keys.length === 0) return [];
  const members = await tx
    .select({
      email: sql<string>`${emailKey}`,
      object: sfRecords.object,
      sfId: sfRecords.sfId,
      name: sql<string | null>`${sfRecords.fields}->>'Name'`,
      company: sql<string | null>`${sfRecords.fields}->>'Company'`,
      syncedAt: sfRecords.syncedAt,
    })
    .from(sfRecords)
    .where(
      and(
        eq(sfRecords.tenantId, tenantId),
        people,
        inArray(
          emailKey,
          keys.map((k) => k.email),
        ),
      ),
    )
    .orderBy(emailKey, sfRecords.object, sfRecords.sfId);
  return keys.map((k) => ({ ...k, members: members.filter((m) => m.email === k.email).map(({ email: _e, ...m }) => m) }));
}

/** People (Leads and Contacts) sharing a normalised email, grouped. Reported only: never merged. */
export async function listDuplicates({ ctx, input }: { ctx: TenantContext; input: z.input<typeof duplicatesInput> }) {
  requireRole(ctx, "viewer");
  const q = duplicatesInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const rows = await groups(tx, ctx.tenantId, q.after, q.limit + 1);
    const page = rows.slice(0, q.limit);
    return { groups: page, nextAfter: rows.length > q.limit ? (page[page.length - 1]?.email ?? null) : null };
  });
}

export async function exportDuplicates({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  const all = await withTenant(ctx, (tx) => groups(tx, ctx.tenantId, undefined, 100_000));
  const csv = toCsv(
    ["email", "group_size", "object", "salesforce_id", "name", "company"],
    all.flatMap((g) => g.members.map((m) => [g.email, g.count, m.object, m.sfId, m.name, m.company])),
  );
  return { filename: `ferry-duplicates-${new Date().toISOString().slice(0, 10)}.csv`, csv, groups: all.length };
}
