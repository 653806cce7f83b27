import { and, eq, gt, inArray, lte, sql } from "drizzle-orm";
import { sfRecords, syncCheckpoints, syncRunObjects, withTenant } from "@ferry/db";
import { recordReconcileRepairs } from "@ferry/services";
import { countRecords, queryPage } from "@ferry/salesforce";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { describeObject, recordShape, selectFields, soqlString, SYNC_OBJECTS, toSyncedRow, type RecordShape } from "./shape/objects";
import { StagedChunk, upsertStaged, withStagedChunk } from "./store/stage";
import { addRunObjectCounts, ensureRunObject } from "@ferry/services";

/**
 * Daily safety net (the first one a day after the initial sync): per object, Salesforce's count
 * against Ferry's live rows first — equal counts end the object's check at one call; otherwise the id set, walked
 * in Id order one page at a time (never the whole set in memory). Rows Ferry misses are read and
 * upserted; rows Ferry still shows but Salesforce no longer has (e.g. deleted while sync was paused
 * longer than the 15-day recycle-bin window) become tombstones. The repairs are counted on the run.
 */
export async function runReconcile(ctx: SyncContext & { objects?: readonly string[] }): Promise<RunOutcome> {
  return executeRun(ctx, "reconcile", async (run) => {
    for (const object of ctx.objects ?? SYNC_OBJECTS) await reconcileObject(run, object);
    await notifyRepairs(run);
    return "completed";
  });
}

/** Read from the run's committed counters, so a run resumed after a crash reports every repair once. */
async function notifyRepairs(run: RunScope): Promise<void> {
  const { ctx } = run;
  const notification = await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, async (tx) => {
    const counters = await tx
      .select({ object: syncRunObjects.object, added: syncRunObjects.created, restored: syncRunObjects.updated, removed: syncRunObjects.deleted })
      .from(syncRunObjects)
      .where(and(eq(syncRunObjects.runId, ctx.runId), eq(syncRunObjects.operation, "reconcile")))
      .orderBy(syncRunObjects.object);
    return recordReconcileRepairs(tx, { tenantId: ctx.tenantId }, { runId: ctx.runId, repairs: counters });
  });
  if (notification) await ctx.emitter?.emit(ctx.tenantId, "notification", notification).catch(() => undefined);
}

async function reconcileObject(run: RunScope, object: string): Promise<void> {
  const { ctx, api } = run;
  const scope = { db: ctx.database.db, tenantId: ctx.tenantId };
  const checkpoint = await withTenant(scope, async (tx) => (await tx.select().from(syncCheckpoints).where(eq(syncCheckpoints.object, object)).limit(1))[0]);
  if (!checkpoint?.initialDoneAt) return;
  const total = await countRecords(api, object);
  // Counts first (one call): when Salesforce's count equals Ferry's live rows, the id walk is skipped.
  const stored = await withTenant(scope, async (tx) => {
    await ensureRunObject(tx, ctx.tenantId, ctx.runId, object, "reconcile", total);
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(sfRecords)
      .where(and(eq(sfRecords.object, object), eq(sfRecords.isDeleted, false)));
    return Number(row?.n ?? 0);
  });
  const progress = { object, phase: "reconciling" as const, total, processed: 0, created: 0, updated: 0, failed: 0 };
  if (stored === total) {
    await withTenant(scope, (tx) =>
      addRunObjectCounts(tx, ctx.runId, object, "reconcile", { processed: total, skipped: total, apiCalls: run.takeCalls() }, "succeeded"),
    );
    run.progress.update({ ...progress, processed: total }, true);
    return;
  }
  run.progress.update(progress, true);
  let shape: RecordShape | undefined;
  const readShape = async () => (shape ??= recordShape(await withTenant(scope, async (tx) => selectFields(tx, object, await describeObject(api, object)))));

  let lastId: string | null = null;
  for (;;) {
    const where: string = lastId ? ` WHERE Id > ${soqlString(lastId)}` : "";
    const page = await queryPage<{ Id: string }>(api, `SELECT Id FROM ${object}${where} ORDER BY Id LIMIT ${run.options.restPageSize}`);
    const ids = page.records.map((r) => r.Id);
    const done = ids.length < run.options.restPageSize;
    const upper = done ? null : ids[ids.length - 1]!;
    const ferryIds = await withTenant(scope, async (tx) =>
      (
        await tx
          .select({ id: sfRecords.sfId })
          .from(sfRecords)
          .where(
            and(
              eq(sfRecords.object, object),
              eq(sfRecords.isDeleted, false),
              lastId ? gt(sfRecords.sfId, lastId) : undefined,
              upper ? lte(sfRecords.sfId, upper) : undefined,
            ),
          )
      ).map((r) => r.id),
    );
    const inSalesforce = new Set(ids);
    const inFerry = new Set(ferryIds);
    const missing = ids.filter((id) => !inFerry.has(id));
    const gone = ferryIds.filter((id) => !inSalesforce.has(id));

    const chunk = new StagedChunk();
    const shape = missing.length ? await readShape() : undefined;
    for (let k = 0; k < missing.length; k += 200) {
      const slice = missing.slice(k, k + 200);
      const rows = await queryPage(
        api,
        `SELECT ${shape!.fields.map((f) => f.name).join(", ")} FROM ${object} WHERE Id IN (${slice.map(soqlString).join(", ")})`,
      );
      for (const record of rows.records) chunk.add(toSyncedRow(shape!, (name) => record[name]));
    }
    const counts = await withStagedChunk(ctx.database, ctx.tenantId, chunk, async (tx) => {
      const c = await upsertStaged(tx, object, chunk);
      if (gone.length) {
        await tx
          .update(sfRecords)
          .set({ isDeleted: true, deletedAt: sql`now()`, syncedAt: sql`now()` })
          .where(and(eq(sfRecords.object, object), inArray(sfRecords.sfId, gone)));
      }
      await addRunObjectCounts(
        tx,
        ctx.runId,
        object,
        "reconcile",
        { processed: ids.length, created: c.created, updated: c.updated, deleted: gone.length, apiCalls: run.takeCalls() },
        done ? "succeeded" : undefined,
      );
      return c;
    });
    progress.processed += ids.length;
    progress.created += counts.created;
    progress.updated += counts.updated + gone.length;
    run.progress.update(progress, done);
    if (done) return;
    lastId = upper;
  }
}
