import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { pushQueue, sfRecords, syncErrors, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { emailKey, nameKey, objectFilter, prefixRange, recordKinds } from "./kinds";

export const recordListInput = z.object({
  kind: z.enum(recordKinds),
  /** An email (anything with "@") matches people by email prefix; other text matches names by prefix. */
  search: z.string().trim().max(200).optional(),
  type: z.enum(["Lead", "Contact"]).optional(),
  ownerId: z.string().min(15).max(18).optional(),
  deleted: z.enum(["exclude", "include", "only"]).default("exclude"),
  hasError: z.boolean().optional(),
  sort: z.enum(["asc", "desc"]).default("asc"),
  /** The last row's sort key and id: the page after it (keyset paging, fast at any depth). */
  cursor: z.object({ key: z.string().max(400), sfId: z.string().min(1).max(18) }).optional(),
  limit: z.number().int().min(1).max(100).default(50),
});

/** Totals are exact up to this many matching records; beyond it a page says "of 10,000+". */
export const RECORD_TOTAL_CAP = 10_000;

/**
 * People, Companies or Opportunities, sorted by name (or by email when searching for one), paged
 * by keyset so page 2,000 costs what page 1 does. Every filter is an index range or a cheap check
 * on the rows the index already returns.
 */
export async function listRecords({ ctx, input }: { ctx: TenantContext; input: z.input<typeof recordListInput> }) {
  requireRole(ctx, "viewer");
  const q = recordListInput.parse(input);
  const byEmail = q.kind === "people" && Boolean(q.search?.includes("@"));
  const key = byEmail ? emailKey : nameKey;
  const after = q.cursor
    ? q.sort === "asc"
      ? sql`(${key}, ${sfRecords.sfId}) > (${q.cursor.key} COLLATE "C", ${q.cursor.sfId})`
      : sql`(${key}, ${sfRecords.sfId}) < (${q.cursor.key} COLLATE "C", ${q.cursor.sfId})`
    : undefined;
  const openError = sql`exists (select 1 from ${syncErrors} where ${syncErrors.tenantId} = ${sfRecords.tenantId} and ${syncErrors.object} = ${sfRecords.object} and ${syncErrors.sfId} = ${sfRecords.sfId} and ${syncErrors.state} in ('open', 'retrying'))`;
  const filters = and(
    eq(sfRecords.tenantId, ctx.tenantId),
    objectFilter(q.kind),
    q.type ? eq(sfRecords.object, q.type) : undefined,
    q.search ? prefixRange(key, q.search) : undefined,
    q.ownerId ? sql`${sfRecords.fields}->>'OwnerId' = ${q.ownerId}` : undefined,
    q.deleted === "exclude" ? eq(sfRecords.isDeleted, false) : q.deleted === "only" ? eq(sfRecords.isDeleted, true) : undefined,
    q.hasError === undefined ? undefined : q.hasError ? openError : sql`not ${openError}`,
  );
  return withTenant(ctx, async (tx) => {
    // The total is counted with the first page only; later pages keep it ("51–100 of 2,250"). Past
    // RECORD_TOTAL_CAP rows it reads "10,000+": an exact count visits every matching row, which at a
    // million People cost more than the page itself, on every search keystroke.
    const counted = q.cursor
      ? null
      : ((
          await tx.select({ n: sql<number>`count(*)::int` }).from(
            tx
              .select({ one: sql`1`.as("one") })
              .from(sfRecords)
              .where(filters)
              .limit(RECORD_TOTAL_CAP + 1)
              .as("matching"),
          )
        )[0]?.n ?? 0);
    const total = counted === null ? null : Math.min(counted, RECORD_TOTAL_CAP);
    const totalIsAtLeast = counted !== null && counted > RECORD_TOTAL_CAP;
    const rows = await tx
      .select({
        object: sfRecords.object,
        sfId: sfRecords.sfId,
        key: sql<string>`${key}`,
        name: sql<string | null>`${sfRecords.fields}->>'Name'`,
        email: sql<string | null>`${sfRecords.fields}->>'Email'`,
        company: sql<string | null>`${sfRecords.fields}->>'Company'`,
        accountId: sql<string | null>`${sfRecords.fields}->>'AccountId'`,
        stage: sql<string | null>`${sfRecords.fields}->>'StageName'`,
        amount: sql<number | null>`(${sfRecords.fields}->>'Amount')::float8`,
        industry: sql<string | null>`${sfRecords.fields}->>'Industry'`,
        ownerId: sql<string | null>`${sfRecords.fields}->>'OwnerId'`,
        isDeleted: sfRecords.isDeleted,
        convertedToId: sfRecords.convertedToId,
        syncedAt: sfRecords.syncedAt,
        hasError: sql<boolean>`${openError}`,
      })
      .from(sfRecords)
      .where(and(filters, after))
      .orderBy(q.sort === "asc" ? sql`${key} asc, ${sfRecords.sfId} asc` : sql`${key} desc, ${sfRecords.sfId} desc`)
      .limit(q.limit + 1);
    const page = rows.slice(0, q.limit);
    const related = [...new Set(page.flatMap((r) => [r.ownerId, r.accountId]).filter((id): id is string => Boolean(id)))];
    const names = related.length
      ? await tx
          .select({ sfId: sfRecords.sfId, name: sql<string | null>`${sfRecords.fields}->>'Name'` })
          .from(sfRecords)
          .where(and(inArray(sfRecords.object, ["User", "Account"]), inArray(sfRecords.sfId, related)))
      : [];
    const nameOf = new Map(names.map((n) => [n.sfId, n.name]));
    const pending = page.length
      ? await tx
          .select({ sfId: pushQueue.sfId, count: sql<number>`count(*)::int` })
          .from(pushQueue)
          .where(
            and(
              inArray(
                pushQueue.sfId,
                page.map((r) => r.sfId),
              ),
              inArray(pushQueue.state, ["queued", "in_flight", "failed", "conflict"]),
            ),
          )
          .groupBy(pushQueue.sfId)
      : [];
    const pendingOf = new Map(pending.map((p) => [p.sfId, p.count]));
    const last = page[page.length - 1];
    return {
      rows: page.map(({ key: _key, ...r }) => ({
        ...r,
        ownerName: r.ownerId ? (nameOf.get(r.ownerId) ?? null) : null,
        accountName: r.accountId ? (nameOf.get(r.accountId) ?? null) : null,
        pendingPushes: pendingOf.get(r.sfId) ?? 0,
      })),
      nextCursor: rows.length > q.limit && last ? { key: last.key, sfId: last.sfId } : null,
      total,
      totalIsAtLeast,
      searchedBy: q.search ? (byEmail ? "email" : "name") : null,
    };
  });
}

/** The Salesforce users that own records, for the owner filter. */
export async function listRecordOwners({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, (tx) =>
    tx
      .select({ sfId: sfRecords.sfId, name: sql<string>`coalesce(${sfRecords.fields}->>'Name', ${sfRecords.sfId})` })
      .from(sfRecords)
      .where(and(eq(sfRecords.tenantId, ctx.tenantId), eq(sfRecords.object, "User"), eq(sfRecords.isDeleted, false)))
      .orderBy(nameKey)
      .limit(500),
  );
}
