import { desc } from "drizzle-orm";
import type { z } from "zod";
import { syncErrors, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { toCsv } from "../history/csv";
import { explainError } from "./explanations";
import { errorFilterInput, errorWhere, instanceUrlOf, salesforceRecordUrl } from "./list";

const EXPORT_LIMIT = 100_000;

/** The filtered errors as CSV, one row per error with its explanation and Salesforce link. */
export async function exportSyncErrors({ ctx, input }: { ctx: TenantContext; input: z.input<typeof errorFilterInput> }) {
  requireRole(ctx, "viewer");
  const filter = errorFilterInput.parse(input);
  const { rows, instanceUrl } = await withTenant(ctx, async (tx) => ({
    rows: await tx.select().from(syncErrors).where(errorWhere(filter)).orderBy(desc(syncErrors.createdAt)).limit(EXPORT_LIMIT),
    instanceUrl: await instanceUrlOf(tx),
  }));
  const csv = toCsv(
    ["error_id", "created_at", "state", "level", "code", "explanation", "object", "salesforce_id", "operation", "message", "salesforce_url", "run_id"],
    rows.map((r) => [
      r.id,
      r.createdAt,
      r.state,
      r.level,
      r.code,
      explainError(r.code).title,
      r.object,
      r.sfId,
      r.operation,
      r.message,
      salesforceRecordUrl(instanceUrl, r.sfId),
      r.runId,
    ]),
  );
  return { filename: `ferry-sync-errors-${new Date().toISOString().slice(0, 10)}.csv`, csv, rows: rows.length };
}
