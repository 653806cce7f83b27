import { and, eq, sql } from "drizzle-orm";
import { sfRecords, syncCheckpoints, syncRunObjects, withTenant, type Transaction } from "@ferry/db";
import { createQueryJob, readResultsCsv, waitForQueryJob, compositeGets, nextPage, queryPage, type QueryPage, SalesforceClientError } from "@ferry/salesforce";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { csvStage, describedFields, describePath, soqlString, SYNC_OBJECTS, toSyncedRow, type CsvStage, type RecordShape } from "./shape/objects";
import { loadReadShape, withSchemaRetry, type ReadShape } from "./shape/read-shape";
import { addRunObjectCounts, ensureRunObject, setRunPhase, startRunObject } from "@ferry/services";
import { analyzeRecords, CsvChunk, StagedChunk, upsertStaged, withCsvChunk, withStagedChunk, type StagedCounts, type UpsertCounts } from "./store/stage";
import { ChunkQueue } from "./store/queue";

type Checkpoint = typeof syncCheckpoints.$inferSelect;

/** A chunk ready to commit, with the checkpoint it moves the object to. */
interface ChunkItem {
  object: string;
  /** Rows converted in JavaScript (REST), or Bulk CSV records Postgres converts with `stage`. */
  chunk: StagedChunk | CsvChunk;
  stage?: CsvStage;
  next: Partial<Checkpoint>;
  /** The object's last chunk: its checkpoint becomes incremental. */
  last: boolean;
  firstLoad: boolean;
  /** Read through Bulk: large enough for its load to be followed by ANALYZE. */
  bulk?: boolean;
  /** API calls the reader made for this chunk (only the reader calls Salesforce while chunks flow). */
  calls: number;
}

interface ObjectPlan {
  object: string;
  checkpoint: Checkpoint;
  read: ReadShape;
}

/**
 * Initial sync: every object in dependency order, each read through Bulk API 2.0 or REST by its
 * count, each chunk committed with its checkpoint and counters. Before anything is read, every
 * object is counted, registered on the run (so a viewer sees all of them and their totals from the
 * start) and its Bulk job created (Salesforce prepares the results of all jobs while the first
 * object is read). Reading and writing overlap: one reader fetches, parses and converts pages of
 * every object in order into a bounded queue of chunks, while the writer commits them one by one.
 * A retried job continues from the checkpoint (the page's locator plus the rows of it already
 * committed) and skips finished objects.
 */
export async function runInitialSync(ctx: SyncContext & { objects?: readonly string[] }): Promise<RunOutcome> {
  return executeRun(ctx, "initial", async (run) => {
    const plans = await planObjects(run, ctx.objects ?? SYNC_OBJECTS);
    return readAndWrite(run, plans);
  });
}

async function loadCheckpoint(tx: Transaction, object: string): Promise<Checkpoint | undefined> {
  return (await tx.select().from(syncCheckpoints).where(eq(syncCheckpoints.object, object)).limit(1))[0];
}

/**
 * Counts, baselines and Bulk jobs of every unfinished object, registered as the run's objects
 * (`queued` until their turn). A resumed run keeps what its first attempt planned and only
 * re-reads the schema.
 */
async function planObjects(run: RunScope, objects: readonly string[]): Promise<ObjectPlan[]> {
  const { ctx, api } = run;
  const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
  const plans: ObjectPlan[] = [];
  const checkpoints = await withTenant(scope, async (tx) => {
    const found = new Map<string, Checkpoint | undefined>();
    for (const object of objects) found.set(object, await loadCheckpoint(tx, object));
    return found;
  });
  const fresh = objects.filter((o) => {
    const c = checkpoints.get(o);
    return !c?.initialDoneAt && (!c || c.runId !== ctx.runId);
  });
  // Counts first, so every object is listed with its total before the first row is read. All
  // objects' counts, describes and baselines go out together as /composite requests (25
  // subrequests, 5 of them queries, one API call each): 4 calls for 8 objects instead of 24.
  for (const object of fresh) run.progress.update({ object, phase: "counting", total: null, processed: 0, created: 0, updated: 0, failed: 0 }, true);
  const open = objects.filter((o) => !checkpoints.get(o)?.initialDoneAt);
  const newestQuery = (object: string) => `SELECT Id, SystemModstamp FROM ${object} ORDER BY SystemModstamp DESC, Id DESC LIMIT 1`;
  const answers = await compositeGets<unknown>(api, [
    ...fresh.map((object) => `/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${object}`)}`),
    ...open.map((object) => describePath(object)),
    ...fresh.map((object) => `/queryAll?q=${encodeURIComponent(newestQuery(object))}`),
  ]);
  const answer = <T>(k: number): T => {
    const a = answers[k];
    if (a instanceof SalesforceClientError) throw a;
    return a as T;
  };
  const totals = new Map(fresh.map((object, k) => [object, answer<QueryPage<unknown>>(k).totalSize]));
  const describes = new Map(open.map((object, k) => [object, describedFields(answer(fresh.length + k))]));
  const newest = new Map(
    fresh.map((object, k) => [object, answer<QueryPage<{ Id: string; SystemModstamp: string }>>(fresh.length + open.length + k).records[0]]),
  );
  if (fresh.length) {
    await withTenant(scope, async (tx) => {
      for (const object of fresh) await ensureRunObject(tx, ctx.tenantId, ctx.runId, object, "pull_updates", totals.get(object)!, "queued");
    });
  }
  const prepared = await Promise.all(
    open.map(async (object) => {
      const read = await loadReadShape(run, object, describes.get(object));
      const checkpoint = checkpoints.get(object);
      if (checkpoint && checkpoint.runId === ctx.runId) return { object, read, checkpoint, start: undefined };
      const bulk = totals.get(object)! > run.options.bulkThreshold;
      const bulkJobId = bulk ? await createQueryJob(api, read.select) : null;
      return { object, read, checkpoint, start: { bulk, bulkJobId, baseline: newest.get(object) } };
    }),
  );
  for (const { object, read, start, checkpoint: stored } of prepared) {
    let checkpoint = stored;
    if (start) {
      const { bulk, bulkJobId, baseline } = start;
      checkpoint = await withTenant(scope, async (tx) => {
        const stored = await tx.select({ one: sql`1` }).from(sfRecords).where(eq(sfRecords.object, object)).limit(1);
        const values = {
          runId: ctx.runId,
          mode: bulk ? ("bulk" as const) : ("rest" as const),
          bulkJobId,
          locator: null,
          pageOffset: 0,
          firstLoad: stored.length === 0,
          describedFields: read.described,
          describedAt: new Date(),
          lastModstamp: null,
          lastId: null,
          pagesRead: 0,
          baselineModstamp: baseline ? new Date(baseline.SystemModstamp.replace(/\+0000$/, "Z")) : null,
          baselineId: baseline?.Id ?? null,
          initialDoneAt: null,
          updatedAt: new Date(),
        };
        const [row] = await tx
          .insert(syncCheckpoints)
          .values({ tenantId: ctx.tenantId, object, ...values })
          .onConflictDoUpdate({ target: [syncCheckpoints.tenantId, syncCheckpoints.object], set: values })
          .returning();
        return row!;
      });
      ctx.logger?.info({ object, total: totals.get(object), mode: checkpoint.mode }, "initial sync of object planned");
    }
    plans.push({ object, checkpoint: checkpoint!, read });
  }
  // The planning calls went out together: each object is charged its own Bulk job, the first one
  // also the rest (the composite requests, the run's /limits read, retries).
  let planned = run.takeCalls();
  const own: number[] = prepared.map((p) => (p.start?.bulk ? 1 : 0));
  const rest = Math.max(0, planned - own.reduce((a, b) => a + b, 0));
  await withTenant(scope, async (tx) => {
    for (let k = 0; k < prepared.length; k++) {
      const calls = Math.min(planned, own[k]! + (k === 0 ? rest : 0));
      planned -= calls;
      await addRunObjectCounts(tx, ctx.runId, prepared[k]!.object, "pull_updates", { apiCalls: calls });
    }
  });
  await withTenant(scope, (tx) => setRunPhase(tx, ctx.runId, "reading"));
  return plans;
}

/**
 * The run's chunks: read ahead into a bounded queue by one task, committed in order by another. On
 * Postgres two chunks are written at once on two connections: the second one's rows go in while
 * the first one commits, and everything after its rows (conversion, checkpoint, counters, commit)
 * waits for the first one's commit, so checkpoints still move forward chunk by chunk and a chunk
 * never commits when the one before it failed. PGlite has one connection: one chunk at a time.
 */
async function readAndWrite(run: RunScope, plans: ObjectPlan[]): Promise<"completed" | "yielded"> {
  // Chunks in memory: those being written (two on Postgres), those waiting (together three) and the
  // one being built, whatever the size of the org.
  const overlap = run.ctx.database.kind === "postgres";
  const queue = new ChunkQueue<ChunkItem>(overlap ? 1 : 2);
  const reader = (async () => {
    for (const plan of plans) {
      if (plan.checkpoint.mode === "bulk") await readBulk(run, plan, queue);
      else await readRest(run, plan, queue);
    }
  })().then(
    () => queue.end(),
    (error: unknown) => queue.fail(error),
  );
  const final = (item: ChunkItem) => item.last && item.object === plans[plans.length - 1]!.object;
  let writing: { item: ChunkItem; done: Promise<UpsertCounts> } | undefined;
  try {
    const writer = new ObjectWriter(run);
    for (;;) {
      const item = await queue.take();
      if (!item) {
        if (writing) await writing.done;
        return "completed";
      }
      const done = writer.commit(item);
      // The caller awaits it below (or drops it when the one before failed, which fails it too).
      done.catch(() => undefined);
      const previous = writing;
      writing = { item, done };
      if (previous) await previous.done;
      if (!overlap) await done;
      const committed = overlap ? previous?.item : item;
      if (committed && Date.now() - run.startedAt > run.options.sliceMs && !final(committed)) {
        if (overlap) await done;
        if (!final(item)) return "yielded";
      }
    }
  } finally {
    queue.close();
    if (writing) await writing.done.catch(() => undefined);
    await reader;
  }
}

/** Commits chunks with their checkpoints and counters, and reports progress per object. */
class ObjectWriter {
  private object: string | undefined;
  private chunks = 0;
  private progress = { object: "", phase: "reading" as const, total: null as number | null, processed: 0, created: 0, updated: 0, failed: 0 };
  /** The transaction of the chunk handed over last: the next chunk commits after it, and only if it committed. */
  private committed: Promise<unknown> = Promise.resolve();

  constructor(private readonly run: RunScope) {}

  private async start(object: string): Promise<void> {
    const { ctx } = this.run;
    const totals = await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, async (tx) => {
      await startRunObject(tx, ctx.runId, object, "pull_updates");
      return (
        await tx
          .select()
          .from(syncRunObjects)
          .where(and(eq(syncRunObjects.runId, ctx.runId), eq(syncRunObjects.object, object), eq(syncRunObjects.operation, "pull_updates")))
          .limit(1)
      )[0];
    });
    this.object = object;
    this.chunks = 0;
    this.progress = {
      object,
      phase: "reading",
      total: totals?.total ?? null,
      processed: totals?.processed ?? 0,
      created: totals?.created ?? 0,
      updated: totals?.updated ?? 0,
      failed: totals?.failed ?? 0,
    };
    this.run.progress.update(this.progress, true);
  }

  /** Writes the chunk; what follows its rows waits for the previous chunk's commit. */
  commit(item: ChunkItem): Promise<UpsertCounts> {
    const turn = this.committed;
    let settle!: (outcome: Promise<unknown>) => void;
    this.committed = new Promise<unknown>((resolve) => (settle = resolve)).then((outcome) => outcome);
    this.committed.catch(() => undefined);
    const transaction = this.write(item, turn);
    settle(transaction);
    return transaction.then(async (counts) => {
      await this.afterCommit(item, counts);
      return counts;
    });
  }

  private async write(item: ChunkItem, turn: Promise<unknown>): Promise<UpsertCounts> {
    const { ctx } = this.run;
    if (this.object !== item.object) {
      // A new object starts once the last one's chunks are in.
      this.object = item.object;
      await turn;
      await this.start(item.object);
    }
    const { object, chunk, last } = item;
    this.run.progress.setPhase("writing");
    const store = async (tx: Transaction, staged: StagedCounts) => {
      const c = await upsertStaged(tx, object, staged, { firstLoad: item.firstLoad, turn });
      await tx
        .update(syncCheckpoints)
        .set({ ...item.next, pagesRead: sql`${syncCheckpoints.pagesRead} + 1`, updatedAt: new Date() })
        .where(eq(syncCheckpoints.object, object));
      await addRunObjectCounts(
        tx,
        ctx.runId,
        object,
        "pull_updates",
        { processed: chunk.count, created: c.created, updated: c.updated, deleted: c.deleted, skipped: c.unchanged, apiCalls: item.calls },
        last ? "succeeded" : undefined,
      );
      if (last) {
        await tx
          .update(syncCheckpoints)
          .set({
            mode: "incremental",
            initialDoneAt: new Date(),
            // The whole second of the baseline is read again by the first cycle: ties cannot slip through.
            lastModstamp: sql`${syncCheckpoints.baselineModstamp}`,
            lastId: null,
            bulkJobId: null,
            locator: null,
            pageOffset: 0,
            firstLoad: false,
          })
          .where(eq(syncCheckpoints.object, object));
      }
      return c;
    };
    return chunk instanceof CsvChunk
      ? withCsvChunk(ctx.database, ctx.tenantId, chunk, item.stage, store)
      : withStagedChunk(ctx.database, ctx.tenantId, chunk, (tx) => store(tx, chunk));
  }

  private async afterCommit(item: ChunkItem, counts: UpsertCounts): Promise<void> {
    const { ctx } = this.run;
    const { chunk, last } = item;
    this.progress.processed += chunk.count;
    this.progress.created += counts.created;
    this.progress.updated += counts.updated;
    // Committed: the next event says the object is reading its next page (or finished).
    this.run.progress.update({ ...this.progress, phase: "reading" }, last);
    // Statistics follow a large load: after the object's chunks 1, 2, 4, 8, … and its last, so the
    // planner's idea of its size is never off by more than half (a dozen ANALYZEs for 1M rows).
    // A REST-sized object moves the table's size too little to matter.
    this.chunks++;
    if (item.bulk && (last || (this.chunks & (this.chunks - 1)) === 0)) {
      await analyzeRecords(ctx.database).catch((error: unknown) => ctx.logger?.warn({ err: error }, "sf_records not analyzed"));
    }
  }
}

/**
 * Bulk results, page by page (`bulkPageSize` rows, 100,000 by default), cut into chunks of
 * `chunkSize` rows. Each chunk's checkpoint is the page's locator and the rows of the page committed
 * so far, so a resumed run skips exactly those. A completed job's pages stay readable, so the job is
 * polled once per attempt, not before every page: each poll is an API call.
 */
async function readBulk(run: RunScope, plan: ObjectPlan, queue: ChunkQueue<ChunkItem>): Promise<void> {
  const { api } = run;
  const { object, checkpoint } = plan;
  let jobId = checkpoint.bulkJobId!;
  let locator = checkpoint.locator;
  let skip = checkpoint.pageOffset;
  let firstLoad = checkpoint.firstLoad;
  let ready = false;
  const chunkSize = run.options.chunkSize;
  for (;;) {
    const pageLocator = locator;
    let chunk = new CsvChunk();
    let offset = 0;
    let stage: CsvStage | undefined;
    let page: { next: string | null };
    try {
      if (!ready) {
        await waitForQueryJob(api, jobId, run.options.bulkPollMs);
        ready = true;
      }
      const shape = plan.read.shape;
      page = await readResultsCsv(
        api,
        jobId,
        pageLocator,
        run.options.bulkPageSize,
        (header) => void (stage = csvStage(shape, header)),
        (data, start, end) => {
          offset++;
          if (offset <= skip) return;
          chunk.add(data, start, end);
          if (chunk.count < chunkSize) return;
          const full = chunk;
          chunk = new CsvChunk();
          return queue.put({
            object,
            chunk: full,
            stage,
            next: { bulkJobId: jobId, locator: pageLocator, pageOffset: offset },
            last: false,
            firstLoad,
            bulk: true,
            calls: run.takeCalls(),
          });
        },
      );
    } catch (error) {
      // Bulk results live about a week; a job that is gone is simply read again, as upserts.
      if (error instanceof SalesforceClientError && error.status === 404) {
        jobId = await createQueryJob(api, plan.read.select);
        locator = null;
        skip = 0;
        firstLoad = false;
        ready = false;
        continue;
      }
      throw error;
    }
    skip = 0;
    const last = page.next === null;
    // The page's tail (possibly empty) moves the checkpoint to the next page.
    await queue.put({
      object,
      chunk,
      stage,
      next: { bulkJobId: jobId, locator: page.next, pageOffset: 0 },
      last,
      firstLoad,
      bulk: true,
      calls: run.takeCalls(),
    });
    if (last) return;
    locator = page.next;
  }
}

/** REST pages of 2,000 by `Id`, following `nextRecordsUrl`; a resumed run queries again from the last committed Id. */
async function readRest(run: RunScope, plan: ObjectPlan, queue: ChunkQueue<ChunkItem>): Promise<void> {
  const { api } = run;
  const { object, checkpoint } = plan;
  let read = plan.read;
  const where = checkpoint.lastId ? ` WHERE Id > ${soqlString(checkpoint.lastId)}` : "";
  const first = await withSchemaRetry(run, object, read, (s) => queryPage(api, `${s.select}${where} ORDER BY Id`, false, run.options.restPageSize));
  read = first.shape;
  let page: QueryPage<Record<string, unknown>> = first.result;
  let lastId = checkpoint.lastId;
  for (;;) {
    const chunk = new StagedChunk();
    for (const record of page.records) chunk.add(toSyncedRow(read.shape, (name) => record[name]));
    const last = page.done || !page.nextRecordsUrl;
    lastId = chunk.lastId ?? lastId;
    await queue.put({ object, chunk, next: { lastId }, last, firstLoad: checkpoint.firstLoad, calls: run.takeCalls() });
    if (last) return;
    page = await nextPage(api, page.nextRecordsUrl!, run.options.restPageSize);
  }
}

export type { RecordShape };
