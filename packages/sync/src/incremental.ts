import { eq } from "drizzle-orm";
import { syncCheckpoints, withTenant } from "@ferry/db";
import { queryPage } from "./api/query";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { soqlDateTime, soqlString, SYNC_OBJECTS, toSyncedRow } from "./model/objects";
import { loadReadShape, withSchemaRetry } from "./model/read-shape";
import { rereadRetriedRecords } from "./reread";
import { StagedChunk, upsertStaged, withStagedChunk } from "./store/stage";
import { addRunObjectCounts, ensureRunObject } from "./store/runs";

/**
 * One incremental cycle: per object, every row changed since the checkpoint through queryAll
 * (deleted and merged rows included), ordered by the `(SystemModstamp, Id)` keyset so rows that
 * share a second are never skipped. Nothing is written for an object without changes.
 */
export async function runIncrementalSync(ctx: SyncContext & { objects?: readonly string[] }): Promise<RunOutcome> {
  return executeRun(ctx, "incremental", async (run) => {
    for (const object of ctx.objects ?? SYNC_OBJECTS) await syncObjectIncremental(run, object);
    return "completed";
  });
}

async function syncObjectIncremental(run: RunScope, object: string): Promise<void> {
  const { ctx, api } = run;
  const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
  const checkpoint = await withTenant(scope, async (tx) => (await tx.select().from(syncCheckpoints).where(eq(syncCheckpoints.object, object)).limit(1))[0]);
  if (!checkpoint?.initialDoneAt) return;

  let read = await loadReadShape(run, object);

  let lastModstamp = checkpoint.lastModstamp?.toISOString() ?? null;
  let lastId = checkpoint.lastId;
  let started = false;
  const totals = { processed: 0, created: 0, updated: 0, failed: 0 };
  for (;;) {
    const ts = lastModstamp ? soqlDateTime(lastModstamp) : null;
    const where = !ts ? "" : lastId ? ` WHERE SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlString(lastId)})` : ` WHERE SystemModstamp >= ${ts}`;
    const { result: page, shape: now } = await withSchemaRetry(run, object, read, (s) =>
      queryPage(api, `${s.select}${where} ORDER BY SystemModstamp, Id LIMIT ${run.options.restPageSize}`, true, run.options.restPageSize),
    );
    read = now;
    if (page.records.length === 0) break;
    const chunk = new StagedChunk();
    for (const record of page.records) chunk.add(toSyncedRow(read.shape, (name) => record[name]));
    const last = page.records.length < run.options.restPageSize;
    const counts = await withStagedChunk(ctx.database, ctx.tenantId, chunk, async (tx) => {
      if (!started) await ensureRunObject(tx, ctx.tenantId, ctx.runId, object, "pull_updates");
      const c = await upsertStaged(tx, object, chunk);
      await tx
        .update(syncCheckpoints)
        .set({ lastModstamp: chunk.lastModstamp ? new Date(chunk.lastModstamp) : null, lastId: chunk.lastId, runId: ctx.runId, updatedAt: new Date() })
        .where(eq(syncCheckpoints.object, object));
      await addRunObjectCounts(
        tx,
        ctx.runId,
        object,
        "pull_updates",
        { processed: chunk.count, created: c.created, updated: c.updated, deleted: c.deleted, skipped: c.unchanged, apiCalls: run.takeCalls() },
        last ? "succeeded" : undefined,
      );
      return c;
    });
    started = true;
    totals.processed += chunk.count;
    totals.created += counts.created;
    totals.updated += counts.updated + counts.deleted;
    run.progress.update({ object, phase: "reading", total: null, ...totals }, last);
    lastModstamp = chunk.lastModstamp;
    lastId = chunk.lastId;
    if (last) break;
  }
  await rereadRetriedRecords(run, object, read);
}
