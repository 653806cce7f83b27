import { and, count, desc, eq, inArray, max, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { salesforceConnections, sfRecords, syncErrorLevels, syncErrors, withTenant, type Transaction } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { explainError } from "./explanations";

export const errorFilterInput = z.object({
  state: z.enum(["open", "ignored", "resolved", "all"]).default("open"),
  level: z.enum(syncErrorLevels).optional(),
  object: z.string().min(1).max(80).optional(),
  code: z.string().min(1).max(80).optional(),
});

export const errorListInput = errorFilterInput.extend({ perGroup: z.number().int().min(1).max(200).default(20) });

export function errorWhere(filter: z.infer<typeof errorFilterInput>): SQL | undefined {
  // "Open" includes errors waiting for their retry: they stay visible until the engine settles them.
  const states = filter.state === "all" ? undefined : filter.state === "open" ? ["open", "retrying"] : [filter.state];
  return and(
    states ? inArray(syncErrors.state, states as (typeof syncErrors.$inferSelect)["state"][]) : undefined,
    filter.level ? eq(syncErrors.level, filter.level) : undefined,
    filter.object ? eq(syncErrors.object, filter.object) : undefined,
    filter.code ? eq(syncErrors.code, filter.code) : undefined,
  );
}

export async function instanceUrlOf(tx: Transaction): Promise<string | null> {
  const [row] = await tx.select({ instanceUrl: salesforceConnections.instanceUrl }).from(salesforceConnections).limit(1);
  return row?.instanceUrl ?? null;
}

export const salesforceRecordUrl = (instanceUrl: string | null, sfId: string | null) =>
  instanceUrl && sfId ? `${instanceUrl.replace(/\/$/, "")}/${encodeURIComponent(sfId)}` : null;

/**
 * Sync errors grouped by Salesforce's error code, each group explained, with its newest errors
 * and links to the record in Ferry (when it was synced) and in Salesforce.
 */
export async function listSyncErrors({ ctx, input }: { ctx: TenantContext; input: z.input<typeof errorListInput> }) {
  requireRole(ctx, "viewer");
  const filter = errorListInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const where = errorWhere(filter);
    const groups = await tx
      .select({
        code: syncErrors.code,
        count: count(),
        latestAt: max(syncErrors.createdAt),
        objects: sql<string[]>`array_remove(array_agg(distinct ${syncErrors.object}), null)`,
      })
      .from(syncErrors)
      .where(where)
      .groupBy(syncErrors.code)
      .orderBy(desc(count()), syncErrors.code);
    const ranked = tx
      .select({
        id: syncErrors.id,
        code: syncErrors.code,
        runId: syncErrors.runId,
        level: syncErrors.level,
        object: syncErrors.object,
        sfId: syncErrors.sfId,
        operation: syncErrors.operation,
        message: syncErrors.message,
        state: syncErrors.state,
        createdAt: syncErrors.createdAt,
        rank: sql<number>`row_number() over (partition by ${syncErrors.code} order by ${syncErrors.createdAt} desc, ${syncErrors.id})`.as("rank"),
      })
      .from(syncErrors)
      .where(where)
      .as("ranked");
    const rows = await tx
      .select({
        id: ranked.id,
        code: ranked.code,
        runId: ranked.runId,
        level: ranked.level,
        object: ranked.object,
        sfId: ranked.sfId,
        operation: ranked.operation,
        message: ranked.message,
        state: ranked.state,
        createdAt: ranked.createdAt,
        inFerry: sql<boolean>`${sfRecords.sfId} is not null`,
      })
      .from(ranked)
      .leftJoin(sfRecords, and(eq(sfRecords.tenantId, ctx.tenantId), eq(sfRecords.object, ranked.object), eq(sfRecords.sfId, ranked.sfId)))
      .where(sql`${ranked.rank} <= ${filter.perGroup}`)
      .orderBy(desc(ranked.createdAt));
    const instanceUrl = await instanceUrlOf(tx);
    return {
      total: groups.reduce((n, g) => n + g.count, 0),
      groups: groups.map((group) => ({
        ...group,
        latestAt: group.latestAt ? new Date(group.latestAt) : null,
        explanation: explainError(group.code),
        errors: rows
          .filter((row) => row.code === group.code)
          .map((row) => ({
            ...row,
            createdAt: new Date(row.createdAt),
            salesforceUrl: salesforceRecordUrl(instanceUrl, row.sfId),
            ferryPath: row.inFerry && row.object && row.sfId ? `/records/${encodeURIComponent(row.object)}/${encodeURIComponent(row.sfId)}` : null,
          })),
      })),
    };
  });
}
