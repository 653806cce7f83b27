import type { z } from "zod";
import { withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { toCsv } from "./csv";
import { historyFilterInput, historyWhere, selectHistoryRows } from "./list";

const EXPORT_LIMIT = 100_000;

/** The filtered history as CSV (at most 100,000 rows, the newest first). */
export async function exportSyncHistory({ ctx, input }: { ctx: TenantContext; input: z.input<typeof historyFilterInput> }) {
  requireRole(ctx, "viewer");
  const filter = historyFilterInput.parse(input);
  const rows = await withTenant(ctx, (tx) => selectHistoryRows(tx, historyWhere(filter)).limit(EXPORT_LIMIT));
  const csv = toCsv(
    [
      "run_id",
      "kind",
      "object",
      "operation",
      "status",
      "new",
      "updated",
      "deleted",
      "failed",
      "skipped",
      "api_calls",
      "started_at",
      "finished_at",
      "duration_seconds",
      "error",
    ],
    rows.map((r) => [
      r.runId,
      r.kind,
      r.object,
      r.operation,
      r.status,
      r.created,
      r.updated,
      r.deleted,
      r.failed,
      r.skipped,
      r.apiCalls,
      r.startedAt,
      r.finishedAt,
      r.finishedAt ? Math.round((r.finishedAt.getTime() - r.startedAt.getTime()) / 1000) : null,
      r.error,
    ]),
  );
  return { filename: `ferry-sync-history-${new Date().toISOString().slice(0, 10)}.csv`, csv, rows: rows.length };
}
