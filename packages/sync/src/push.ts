import { asc, inArray, sql } from "drizzle-orm";
import { pushQueue, withTenant } from "@ferry/db";
import { addRunObjectCounts, ensureRunObject, markPushesInFlight, recordPushFailures, resolvePushErrors, settlePushes } from "@ferry/services";
import { queryPage } from "@ferry/salesforce";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { soqlString } from "./shape/objects";
import { FERRY_CALL_OPTIONS } from "./stream/apply";

/** sObject Collections accept at most 200 records per call. */
export const PUSH_BATCH = 200;
/** Record-level lock errors are retried this many times across push runs before the edit fails. */
const MAX_RECORD_ATTEMPTS = 3;

interface PendingRecord {
  object: string;
  sfId: string;
  changes: Record<string, unknown>;
  baseModstamp: Date | null;
  editedAt: Date;
  pushIds: string[];
  attempts: number;
}

interface CollectionResult {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields?: string[] }[];
}

/**
 * Sends queued edits of two-way fields: edits of one record are merged (the later value wins),
 * then per object in calls of ≤ 200 records with `allOrNone=false`, each record's result stored.
 *
 * Conflict rule: before a batch goes out, the records' current `SystemModstamp` is read. If
 * Salesforce changed a record after the version the edit was based on *and* after the edit was
 * made, Salesforce's change is the more recent one and wins: the edit is kept as `conflict` (with
 * the times) and not sent; the next cycle brings Salesforce's values. Otherwise Ferry's edit is
 * the more recent change and is sent.
 */
export async function runPush(ctx: SyncContext & { limit?: number }): Promise<RunOutcome> {
  return executeRun(ctx, "push", async (run) => {
    const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
    const queued = await withTenant(scope, (tx) =>
      tx
        .select()
        .from(pushQueue)
        .where(inArray(pushQueue.state, ["queued", "in_flight"]))
        .orderBy(asc(pushQueue.createdAt))
        .limit(ctx.limit ?? 10_000),
    );
    const byObject = new Map<string, PendingRecord[]>();
    const byRecord = new Map<string, PendingRecord>();
    for (const row of queued) {
      if (!row.sfId) continue;
      const key = `${row.object}/${row.sfId}`;
      const pending = byRecord.get(key);
      if (pending) {
        Object.assign(pending.changes, row.changes);
        pending.pushIds.push(row.id);
        pending.editedAt = row.createdAt;
        pending.attempts = Math.max(pending.attempts, row.attempts);
        continue;
      }
      const fresh: PendingRecord = {
        object: row.object,
        sfId: row.sfId,
        changes: { ...row.changes },
        baseModstamp: row.baseModstamp,
        editedAt: row.createdAt,
        pushIds: [row.id],
        attempts: row.attempts,
      };
      byRecord.set(key, fresh);
      byObject.set(row.object, [...(byObject.get(row.object) ?? []), fresh]);
    }
    for (const [object, records] of byObject) {
      await withTenant(scope, (tx) => ensureRunObject(tx, ctx.tenantId, ctx.runId, object, "push_updates", records.length));
      for (let k = 0; k < records.length; k += PUSH_BATCH) await pushBatch(run, object, records.slice(k, k + PUSH_BATCH));
    }
    return "completed";
  });
}

async function pushBatch(run: RunScope, object: string, batch: PendingRecord[]): Promise<void> {
  const { ctx, api } = run;
  const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
  const allIds = batch.map((r) => r.pushIds).flat();
  await withTenant(scope, (tx) => markPushesInFlight(tx, allIds));

  const current = await queryPage<{ Id: string; SystemModstamp: string }>(
    api,
    `SELECT Id, SystemModstamp FROM ${object} WHERE Id IN (${batch.map((r) => soqlString(r.sfId)).join(", ")})`,
  );
  const modstamps = new Map(current.records.map((r) => [r.Id, new Date(r.SystemModstamp.replace(/\+0000$/, "Z"))]));
  const conflicts: { record: PendingRecord; sfModstamp: Date }[] = [];
  const missing: PendingRecord[] = [];
  const send: PendingRecord[] = [];
  for (const record of batch) {
    const sfModstamp = modstamps.get(record.sfId);
    if (!sfModstamp) missing.push(record);
    else if (record.baseModstamp && sfModstamp > record.baseModstamp && sfModstamp > record.editedAt) conflicts.push({ record, sfModstamp });
    else send.push(record);
  }

  const results: CollectionResult[] = send.length
    ? await api.json<CollectionResult[]>("/composite/sobjects", {
        method: "PATCH",
        // Salesforce names this client in the change events of these writes: the stream skips them.
        headers: { "Sforce-Call-Options": FERRY_CALL_OPTIONS },
        body: { allOrNone: false, records: send.map((r) => ({ attributes: { type: object }, id: r.sfId, ...r.changes })) },
      })
    : [];

  await withTenant(scope, async (tx) => {
    const succeeded: PendingRecord[] = [];
    const requeued: { record: PendingRecord; code: string; message: string }[] = [];
    const failed: { record: PendingRecord; code: string; message: string }[] = [];
    for (let k = 0; k < send.length; k++) {
      const record = send[k]!;
      const result = results[k];
      if (result?.success) {
        succeeded.push(record);
        continue;
      }
      const error = result?.errors[0] ?? { statusCode: "UNKNOWN_EXCEPTION", message: "Salesforce returned no result for this record" };
      const retryable = error.statusCode === "UNABLE_TO_LOCK_ROW" && record.attempts + 1 < MAX_RECORD_ATTEMPTS;
      (retryable ? requeued : failed).push({ record, code: error.statusCode, message: error.message });
    }
    for (const { record, sfModstamp } of conflicts) {
      const message = `Salesforce changed this record at ${sfModstamp.toISOString()}, after the edit made in Ferry at ${record.editedAt.toISOString()}; the more recent change (Salesforce's) was kept.`;
      failed.push({ record, code: "CONFLICT_SALESFORCE_NEWER", message });
    }
    for (const record of missing) {
      failed.push({ record, code: "ENTITY_IS_DELETED", message: "The record no longer exists in Salesforce (deleted or merged), so the edit was not sent." });
    }

    if (succeeded.length) {
      await settlePushes(
        tx,
        succeeded.flatMap((r) => r.pushIds),
        { state: "succeeded", errorCode: null, errorMessage: null },
      );
      // Ferry's copy takes the values Salesforce accepted, in one statement for the batch.
      const accepted = JSON.stringify(succeeded.map((r) => ({ sf_id: r.sfId, changes: r.changes })));
      await tx.execute(sql`
        UPDATE sf_records r SET fields = r.fields || x.changes
        FROM jsonb_to_recordset(${accepted}::jsonb) AS x(sf_id text, changes jsonb)
        WHERE r.tenant_id = current_setting('app.tenant_id') AND r.object = ${object} AND r.sf_id = x.sf_id`);
      await resolvePushErrors(
        tx,
        object,
        succeeded.map((r) => r.sfId),
      );
    }
    // Each distinct outcome is one statement; messages differ per record only when Salesforce's do.
    const groups = new Map<string, { state: "queued" | "failed" | "conflict"; code: string; message: string; ids: string[] }>();
    for (const [list, state] of [
      [requeued, "queued"],
      [failed, "failed"],
    ] as const) {
      for (const f of list) {
        const s = state === "failed" && f.code === "CONFLICT_SALESFORCE_NEWER" ? "conflict" : state;
        const key = `${s}\u0000${f.code}\u0000${f.message}`;
        const group = groups.get(key) ?? { state: s, code: f.code, message: f.message, ids: [] };
        group.ids.push(...f.record.pushIds);
        groups.set(key, group);
      }
    }
    for (const g of groups.values()) await settlePushes(tx, g.ids, { state: g.state, errorCode: g.code, errorMessage: g.message });
    await recordPushFailures(
      tx,
      ctx.tenantId,
      ctx.runId,
      object,
      failed.map((f) => ({ sfId: f.record.sfId, code: f.code, message: f.message })),
    );
    await addRunObjectCounts(tx, ctx.runId, object, "push_updates", {
      processed: batch.length,
      updated: succeeded.length,
      failed: failed.length - conflicts.length,
      skipped: conflicts.length,
      apiCalls: run.takeCalls(),
    });
  });
  run.progress.update({ object, phase: "pushing", total: null, processed: batch.length, created: 0, updated: send.length, failed: 0 }, true);
}
