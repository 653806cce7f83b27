import { syncErrors, withTenant } from "@ferry/db";
import { retriedReadErrors, settleRetriedReads } from "@ferry/services";
import { queryPage, SalesforceClientError } from "@ferry/salesforce";
import type { RunScope } from "./engine";
import { soqlString, toSyncedRow } from "./shape/objects";
import type { ReadShape } from "./shape/read-shape";
import { StagedChunk, upsertStaged, withStagedChunk } from "./store/stage";

const IDS_PER_QUERY = 200;

/**
 * Records whose read failed and that an admin chose to retry: read again by id (queryAll, so a
 * deleted record comes back as a tombstone), stored, and their errors resolved. A record that
 * still cannot be read keeps its error, reopened with Salesforce's new answer.
 */
export async function rereadRetriedRecords(run: RunScope, object: string, read: ReadShape): Promise<number> {
  const { ctx, api } = run;
  const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
  const retried = await withTenant(scope, (tx) => tx.select({ sfId: syncErrors.sfId }).from(syncErrors).where(retriedReadErrors(object)));
  const ids = [...new Set(retried.map((r) => r.sfId).filter((id): id is string => Boolean(id)))];
  for (let k = 0; k < ids.length; k += IDS_PER_QUERY) {
    const slice = ids.slice(k, k + IDS_PER_QUERY);
    const page = await queryPage(api, `${read.select} WHERE Id IN (${slice.map(soqlString).join(", ")})`, true, IDS_PER_QUERY);
    const chunk = new StagedChunk();
    const failed = new Map<string, { code: string; message: string }>();
    for (const record of page.records) {
      const id = String(record.Id);
      try {
        chunk.add(toSyncedRow(read.shape, (name) => record[name]));
      } catch (error) {
        if (!(error instanceof SalesforceClientError)) throw error;
        failed.set(id, { code: error.code, message: error.message });
      }
    }
    const found = new Set(page.records.map((r) => String(r.Id)));
    for (const id of slice)
      if (!found.has(id))
        failed.set(id, {
          code: "ENTITY_IS_DELETED",
          message: "The record no longer exists in Salesforce (deleted past the recycle bin, or never visible to the sync user).",
        });
    const succeeded = slice.filter((id) => !failed.has(id));
    await withStagedChunk(ctx.database, ctx.tenantId, chunk, async (tx) => {
      await upsertStaged(tx, object, chunk);
      await settleRetriedReads(tx, ctx.runId, object, succeeded, failed);
    });
  }
  return ids.length;
}
