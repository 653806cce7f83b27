import { and, asc, count, desc, eq, gte, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { syncOperations, syncRunKinds, syncRunObjects, syncRuns, withTenant, type Transaction } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

export const HISTORY_RETENTION_DAYS = 30;

/** The statuses history shows; queued and running rows are both "In progress". */
export const historyStatuses = ["succeeded", "failed", "incomplete", "in_progress", "paused"] as const;

export const historyFilterInput = z.object({
  status: z.enum(historyStatuses).optional(),
  kind: z.enum(syncRunKinds).optional(),
  object: z.string().min(1).max(80).optional(),
  operation: z.enum(syncOperations).optional(),
  days: z.number().int().min(1).max(HISTORY_RETENTION_DAYS).default(HISTORY_RETENTION_DAYS),
});

export const historyListInput = historyFilterInput.extend({
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(5).max(200).default(50),
});

/** Run-level status for a run without per-object rows, else the object row's own. */
const rowStatus = sql<string>`coalesce(${syncRunObjects.status}, ${syncRuns.status})`;

export function historyWhere(input: z.infer<typeof historyFilterInput>, now = new Date()): SQL | undefined {
  const since = new Date(now.getTime() - input.days * 86_400_000);
  const statuses = input.status === "in_progress" ? ["in_progress", "queued"] : input.status ? [input.status] : undefined;
  return and(
    gte(syncRuns.startedAt, since),
    statuses ? inArray(rowStatus, statuses) : undefined,
    input.kind ? eq(syncRuns.kind, input.kind) : undefined,
    input.object ? eq(syncRunObjects.object, input.object) : undefined,
    input.operation ? eq(syncRunObjects.operation, input.operation) : undefined,
  );
}

export function selectHistoryRows(tx: Transaction, where: SQL | undefined) {
  return tx
    .select({
      runId: syncRuns.id,
      kind: syncRuns.kind,
      object: syncRunObjects.object,
      operation: syncRunObjects.operation,
      status: rowStatus,
      created: syncRunObjects.created,
      updated: syncRunObjects.updated,
      deleted: syncRunObjects.deleted,
      failed: syncRunObjects.failed,
      skipped: syncRunObjects.skipped,
      apiCalls: sql<number>`coalesce(${syncRunObjects.apiCalls}, ${syncRuns.apiCalls})`.mapWith(Number),
      startedAt: sql<Date>`coalesce(${syncRunObjects.startedAt}, ${syncRuns.startedAt})`.mapWith(syncRuns.startedAt),
      finishedAt: sql<Date | null>`coalesce(${syncRunObjects.finishedAt}, ${syncRuns.finishedAt})`.mapWith(syncRuns.finishedAt),
      error: syncRuns.error,
      errorCode: syncRuns.errorCode,
    })
    .from(syncRuns)
    .leftJoin(syncRunObjects, and(eq(syncRunObjects.tenantId, syncRuns.tenantId), eq(syncRunObjects.runId, syncRuns.id)))
    .where(where)
    .orderBy(desc(syncRuns.startedAt), desc(syncRuns.id), asc(syncRunObjects.startedAt), asc(syncRunObjects.object), asc(syncRunObjects.operation))
    .$dynamic();
}

/** Sync history: one row per run and per object and operation, newest first, kept 30 days. */
export async function listSyncHistory({ ctx, input }: { ctx: TenantContext; input: z.input<typeof historyListInput> }) {
  requireRole(ctx, "viewer");
  const filter = historyListInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const where = historyWhere(filter);
    const rows = await selectHistoryRows(tx, where)
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize);
    const [{ total } = { total: 0 }] = await tx
      .select({ total: count() })
      .from(syncRuns)
      .leftJoin(syncRunObjects, and(eq(syncRunObjects.tenantId, syncRuns.tenantId), eq(syncRunObjects.runId, syncRuns.id)))
      .where(where);
    const objects = await tx.selectDistinct({ object: syncRunObjects.object }).from(syncRunObjects).orderBy(asc(syncRunObjects.object));
    return {
      rows: rows.map((row) => ({ ...row, durationMs: row.finishedAt ? row.finishedAt.getTime() - row.startedAt.getTime() : null })),
      total,
      page: filter.page,
      pageSize: filter.pageSize,
      objects: objects.map((o) => o.object),
    };
  });
}
