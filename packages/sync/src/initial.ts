import { eq } from "drizzle-orm";
import { syncCheckpoints, syncRunObjects, withTenant, type Transaction } from "@ferry/db";
import { createQueryJob, readResultsPage, waitForQueryJob } from "./api/bulk";
import { countRecords, queryPage } from "./api/query";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { SalesforceApiError } from "./errors";
import { soqlString, SYNC_OBJECTS, toSyncedRow, type RecordShape } from "./model/objects";
import { loadReadShape, withSchemaRetry } from "./model/read-shape";
import { StagedChunk, upsertStaged, withStagedChunk, type UpsertCounts } from "./store/stage";
import { addRunObjectCounts, ensureRunObject, setRunPhase } from "./store/runs";

type Checkpoint = typeof syncCheckpoints.$inferSelect;

/**
 * Initial sync: every object in dependency order, each read through Bulk API 2.0 or REST by its
 * count, each page committed with its checkpoint and counters. A retried job continues from the
 * checkpoint (re-reading at most the page that was in flight) and skips finished objects.
 */
export async function runInitialSync(ctx: SyncContext & { objects?: readonly string[] }): Promise<RunOutcome> {
  return executeRun(ctx, "initial", async (run) => {
    for (const object of ctx.objects ?? SYNC_OBJECTS) {
      const result = await syncObjectInitial(run, object);
      if (result === "yielded") return "yielded";
    }
    return "completed";
  });
}

async function loadCheckpoint(tx: Transaction, object: string): Promise<Checkpoint | undefined> {
  return (await tx.select().from(syncCheckpoints).where(eq(syncCheckpoints.object, object)).limit(1))[0];
}

async function syncObjectInitial(run: RunScope, object: string): Promise<"done" | "yielded"> {
  const { ctx, api } = run;
  const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
  let checkpoint = await withTenant(scope, (tx) => loadCheckpoint(tx, object));
  if (checkpoint?.initialDoneAt) return "done";

  let read = await loadReadShape(run, object);
  const soql = read.select;

  if (!checkpoint || checkpoint.runId !== ctx.runId) {
    run.progress.update({ object, phase: "counting", total: null, processed: 0, created: 0, updated: 0, failed: 0 }, true);
    const total = await countRecords(api, object);
    const newest = await queryPage<{ Id: string; SystemModstamp: string }>(
      api,
      `SELECT Id, SystemModstamp FROM ${object} ORDER BY SystemModstamp DESC, Id DESC LIMIT 1`,
      true,
    );
    const baseline = newest.records[0];
    const bulk = total > run.options.bulkThreshold;
    const bulkJobId = bulk ? await createQueryJob(api, soql) : null;
    const values = {
      runId: ctx.runId,
      mode: bulk ? ("bulk" as const) : ("rest" as const),
      bulkJobId,
      locator: null,
      lastModstamp: null,
      lastId: null,
      pagesRead: 0,
      baselineModstamp: baseline ? new Date(baseline.SystemModstamp.replace(/\+0000$/, "Z")) : null,
      baselineId: baseline?.Id ?? null,
      initialDoneAt: null,
      updatedAt: new Date(),
    };
    checkpoint = await withTenant(scope, async (tx) => {
      await setRunPhase(tx, ctx.runId, "reading");
      await ensureRunObject(tx, ctx.tenantId, ctx.runId, object, "pull_updates", total);
      await addRunObjectCounts(tx, ctx.runId, object, "pull_updates", { apiCalls: run.takeCalls() });
      const [row] = await tx
        .insert(syncCheckpoints)
        .values({ tenantId: ctx.tenantId, object, ...values })
        .onConflictDoUpdate({ target: [syncCheckpoints.tenantId, syncCheckpoints.object], set: values })
        .returning();
      return row!;
    });
    ctx.logger?.info({ object, total, mode: values.mode }, "initial sync of object started");
  }

  const totals = await withTenant(scope, async (tx) =>
    (await tx.select().from(syncRunObjects).where(eq(syncRunObjects.object, object)).limit(50)).find(
      (r) => r.runId === ctx.runId && r.operation === "pull_updates",
    ),
  );
  const progressState = {
    object,
    phase: "reading" as const,
    total: totals?.total ?? null,
    processed: totals?.processed ?? 0,
    created: totals?.created ?? 0,
    updated: totals?.updated ?? 0,
    failed: totals?.failed ?? 0,
  };
  run.progress.update(progressState, true);

  const commit = async (chunk: StagedChunk, next: Partial<Checkpoint>, last: boolean): Promise<UpsertCounts> => {
    run.progress.setPhase("writing");
    const counts = await withStagedChunk(ctx.database, ctx.tenantId, chunk, async (tx) => {
      const c = await upsertStaged(tx, object, chunk);
      await tx
        .update(syncCheckpoints)
        .set({ ...next, pagesRead: (checkpoint!.pagesRead += 1), updatedAt: new Date() })
        .where(eq(syncCheckpoints.object, object));
      await addRunObjectCounts(
        tx,
        ctx.runId,
        object,
        "pull_updates",
        { processed: chunk.count, created: c.created, updated: c.updated, deleted: c.deleted, skipped: c.unchanged, apiCalls: run.takeCalls() },
        last ? "succeeded" : undefined,
      );
      if (last) {
        await tx
          .update(syncCheckpoints)
          .set({
            mode: "incremental",
            initialDoneAt: new Date(),
            // The whole second of the baseline is read again by the first cycle: ties cannot slip through.
            lastModstamp: checkpoint!.baselineModstamp,
            lastId: null,
            bulkJobId: null,
            locator: null,
          })
          .where(eq(syncCheckpoints.object, object));
      }
      return c;
    });
    progressState.processed += chunk.count;
    progressState.created += counts.created;
    progressState.updated += counts.updated;
    // Committed: the next event says the object is reading its next page (or finished).
    run.progress.update(progressState, last);
    return counts;
  };

  const sliceOver = () => Date.now() - run.startedAt > run.options.sliceMs;

  if (checkpoint.mode === "bulk") {
    let jobId = checkpoint.bulkJobId!;
    let locator = checkpoint.locator;
    // A completed job's pages stay readable, so it is polled once per attempt, not before every page:
    // each poll is an API call.
    let ready = false;
    for (;;) {
      let page: Awaited<ReturnType<typeof readResultsPage>>;
      const chunk = new StagedChunk();
      try {
        if (!ready) {
          await waitForQueryJob(api, jobId, run.options.bulkPollMs);
          ready = true;
        }
        const shape = read.shape;
        page = await readResultsPage(api, jobId, locator, run.options.bulkPageSize, (row) => chunk.add(toSyncedRow(shape, (name) => row[name])));
      } catch (error) {
        // Bulk results live about a week; a job that is gone is simply read again (upserts are idempotent).
        if (error instanceof SalesforceApiError && error.status === 404) {
          jobId = await createQueryJob(api, soql);
          locator = null;
          ready = false;
          await withTenant(scope, (tx) => tx.update(syncCheckpoints).set({ bulkJobId: jobId, locator: null }).where(eq(syncCheckpoints.object, object)));
          continue;
        }
        throw error;
      }
      await commit(chunk, { locator: page.next }, page.next === null);
      if (page.next === null) return "done";
      locator = page.next;
      if (sliceOver()) return "yielded";
    }
  }

  let lastId = checkpoint.lastId;
  for (;;) {
    const where = lastId ? ` WHERE Id > ${soqlString(lastId)}` : "";
    const { result: page, shape: now } = await withSchemaRetry(run, object, read, (s) =>
      queryPage(api, `${s.select}${where} ORDER BY Id LIMIT ${run.options.restPageSize}`, false, run.options.restPageSize),
    );
    read = now;
    const chunk = new StagedChunk();
    for (const record of page.records) chunk.add(toSyncedRow(read.shape, (name) => record[name]));
    const last = page.records.length < run.options.restPageSize;
    await commit(chunk, { lastId: chunk.lastId ?? lastId }, last);
    if (last) return "done";
    lastId = chunk.lastId;
    if (sliceOver()) return "yielded";
  }
}

export type { RecordShape };
