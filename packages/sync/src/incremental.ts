import { eq } from "drizzle-orm";
import { syncCheckpoints, withTenant } from "@ferry/db";
import { compositeGets, queryPage, type QueryPage, SalesforceApiError } from "@ferry/salesforce";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { soqlDateTime, soqlString, SYNC_OBJECTS, toSyncedRow } from "./model/objects";
import { cycleReadShape, withSchemaRetry, type ReadShape } from "./model/read-shape";
import { rereadRetriedRecords } from "./reread";
import { StagedChunk, upsertStaged, withStagedChunk } from "./store/stage";
import { addRunObjectCounts, ensureRunObject } from "./store/runs";

type Checkpoint = typeof syncCheckpoints.$inferSelect;
type Page = QueryPage<Record<string, unknown>>;

/**
 * One incremental cycle: per object, every row changed since the checkpoint through queryAll
 * (deleted and merged rows included), ordered by the `(SystemModstamp, Id)` keyset so rows that
 * share a second are never skipped. Nothing is written for an object without changes. The first
 * page of every object's change query goes out in `/composite` requests (five queries each, one
 * API call per request), and objects are described only when their stored describe is a day old,
 * so an idle cycle costs those composite calls and nothing else.
 */
export async function runIncrementalSync(ctx: SyncContext & { objects?: readonly string[] }): Promise<RunOutcome> {
  return executeRun(ctx, "incremental", async (run) => {
    const objects = ctx.objects ?? SYNC_OBJECTS;
    const checkpoints = await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, async (tx) => {
      const rows = await tx.select().from(syncCheckpoints);
      return new Map(rows.map((r) => [r.object, r]));
    });
    const ready: { object: string; checkpoint: Checkpoint; read: ReadShape }[] = [];
    for (const object of objects) {
      const checkpoint = checkpoints.get(object);
      if (!checkpoint?.initialDoneAt) continue;
      ready.push({ object, checkpoint, read: await cycleReadShape(run, object, checkpoint) });
    }
    const first = await compositeGets<Page>(
      run.api,
      ready.map(({ checkpoint, read }) => `/queryAll?q=${encodeURIComponent(changeQuery(run, read, checkpoint.lastModstamp?.toISOString() ?? null, checkpoint.lastId))}`),
    );
    for (let k = 0; k < ready.length; k++) await syncObjectIncremental(run, ready[k]!.object, ready[k]!.checkpoint, ready[k]!.read, first[k]!);
    return "completed";
  });
}

function changeQuery(run: RunScope, read: ReadShape, lastModstamp: string | null, lastId: string | null): string {
  const ts = lastModstamp ? soqlDateTime(lastModstamp) : null;
  const where = !ts ? "" : lastId ? ` WHERE SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlString(lastId)})` : ` WHERE SystemModstamp >= ${ts}`;
  return `${read.select}${where} ORDER BY SystemModstamp, Id LIMIT ${run.options.restPageSize}`;
}

async function syncObjectIncremental(run: RunScope, object: string, checkpoint: Checkpoint, shape: ReadShape, firstPage: Page | SalesforceApiError): Promise<void> {
  const { ctx, api } = run;
  let read = shape;
  let lastModstamp = checkpoint.lastModstamp?.toISOString() ?? null;
  let lastId = checkpoint.lastId;
  let prefetched: Page | SalesforceApiError | undefined = firstPage;
  let started = false;
  const totals = { processed: 0, created: 0, updated: 0, failed: 0 };
  for (;;) {
    // The page is converted inside the schema retry: a value the stored describe's type cannot hold
    // means the field was retyped since, and the object is described again.
    const { result, shape: now } = await withSchemaRetry(run, object, read, async (s) => {
      const given = s === read ? prefetched : undefined;
      prefetched = undefined;
      if (given instanceof SalesforceApiError) throw given;
      const page = given ?? (await queryPage<Record<string, unknown>>(api, changeQuery(run, s, lastModstamp, lastId), true, run.options.restPageSize));
      const chunk = new StagedChunk();
      for (const record of page.records) chunk.add(toSyncedRow(s.shape, (name) => record[name]));
      return { page, chunk };
    });
    read = now;
    const { page, chunk } = result;
    if (page.records.length === 0) break;
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
