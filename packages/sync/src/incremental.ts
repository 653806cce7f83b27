import { eq } from "drizzle-orm";
import { syncCheckpoints, withTenant } from "@ferry/db";
import { COMPOSITE_QUERIES, compositeGets, queryPage, type QueryPage, SalesforceClientError } from "@ferry/salesforce";
import { executeRun, type RunOutcome, type RunScope, type SyncContext } from "./engine";
import { soqlDateTime, soqlString, SYNC_OBJECTS, toSyncedRow } from "./shape/objects";
import { cycleReadShape, withSchemaRetry, type ReadShape } from "./shape/read-shape";
import { rereadRetriedRecords } from "./reread";
import { StagedChunk, upsertStaged, withStagedChunk } from "./store/stage";
import { addRunObjectCounts, ensureRunObject } from "@ferry/services";

type Checkpoint = typeof syncCheckpoints.$inferSelect;
type Page = QueryPage<Record<string, unknown>>;

/**
 * One incremental cycle: per object, every row changed since the checkpoint through queryAll
 * (deleted and merged rows included), ordered by the `(SystemModstamp, Id)` keyset so rows that
 * share a second are never skipped. Which objects changed is asked first, in one `/composite`
 * request carrying every object's sObject Get Updated and Get Deleted (sObject resources, so up
 * to 25 fit, where only 5 queries would): an idle cycle costs that one API call, and only the
 * objects with changes are queried. An object without a covered window yet (its first cycle) has
 * its change query in the same request. Objects are described only when their stored describe
 * is a day old.
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
    const query = (k: number) => {
      const { checkpoint, read } = ready[k]!;
      return `/queryAll?q=${encodeURIComponent(changeQuery(run, read, checkpoint.lastModstamp?.toISOString() ?? null, checkpoint.lastId))}`;
    };
    // Objects never checked by window (the first cycle after the initial sync) are queried at once,
    // as many as one request takes; the windows go first, so their coverage precedes every query.
    const direct = ready.flatMap((r, k) => (r.checkpoint.changesCoveredAt ? [] : [k])).slice(0, COMPOSITE_QUERIES);
    const windows = ready.map((r) => changeWindowStart(r.checkpoint));
    const checked = windows.flatMap((start, k) => (start ? [k] : []));
    const answers = await compositeGets<unknown>(run.api, [...checked.flatMap((k) => replicationPaths(ready[k]!.object, windows[k]!)), ...direct.map(query)]);
    const first = new Map<number, Page | SalesforceClientError>(direct.map((k, n) => [k, answers[2 * checked.length + n] as Page | SalesforceClientError]));
    const covered = new Map<number, Date>();
    let latest: Date | undefined;
    const changed = new Set(ready.map((_, k) => k));
    checked.forEach((k, n) => {
      // Any answered window tells how far Salesforce's change tracking reaches at this request (a
      // 16-day-old Get Deleted window is refused while Get Updated's, up to 30 days, is answered).
      for (const a of [answers[2 * n], answers[2 * n + 1]]) {
        const t = a instanceof SalesforceClientError ? Number.NaN : salesforceTime((a as { latestDateCovered?: string } | undefined)?.latestDateCovered);
        if (Number.isFinite(t) && (!latest || t < latest.getTime())) latest = new Date(t);
      }
      const verdict = windowVerdict(windows[k]!, answers[2 * n], answers[2 * n + 1]);
      if (!verdict) return;
      covered.set(k, verdict.covered);
      if (!verdict.changed) changed.delete(k);
    });
    // Objects the windows say changed (or could not tell about) are queried, a request per five.
    const rest = [...changed].filter((k) => !first.has(k));
    const more = await compositeGets<Page>(run.api, rest.map(query));
    rest.forEach((k, n) => first.set(k, more[n]!));
    for (let k = 0; k < ready.length; k++) {
      const { object, checkpoint, read } = ready[k]!;
      if (first.has(k)) await syncObjectIncremental(run, object, checkpoint, read, first.get(k)!);
      else await rereadRetriedRecords(run, object, read);
      // Everything changed before the window's end is read now: the next check starts there. An
      // object whose own window failed is covered by any other window of the same request, which
      // was answered before its query ran.
      const until = covered.get(k) ?? latest;
      if (until) {
        await withTenant({ db: ctx.database.db, tenantId: ctx.tenantId }, (tx) =>
          tx.update(syncCheckpoints).set({ changesCoveredAt: until }).where(eq(syncCheckpoints.object, object)),
        );
      }
    }
    return "completed";
  });
}

/** Where an object's change check starts: its last covered window, else its newest synced change. */
function changeWindowStart(checkpoint: Checkpoint): Date | null {
  return checkpoint.changesCoveredAt ?? checkpoint.lastModstamp ?? null;
}

/**
 * Get Updated and Get Deleted from `start` on. Salesforce drops the seconds of both ends and
 * answers up to the start of the current minute whatever `end` says (latestDateCovered), so the end
 * is simply far enough ahead; start may reach back 30 (updated) and 15 (deleted) days.
 */
function replicationPaths(object: string, start: Date): [string, string] {
  const from = new Date(Math.floor(start.getTime() / 60_000) * 60_000);
  const end = new Date(Math.max(from.getTime(), Date.now()) + 24 * 3600_000);
  const window = `?start=${encodeURIComponent(from.toISOString())}&end=${encodeURIComponent(end.toISOString())}`;
  return [`/sobjects/${object}/updated/${window}`, `/sobjects/${object}/deleted/${window}`];
}

interface UpdatedAnswer {
  ids: string[];
  latestDateCovered: string;
}
interface DeletedAnswer {
  deletedRecords: { id: string; deletedDate: string }[];
  earliestDateAvailable: string;
  latestDateCovered: string;
}

/**
 * What an object's two windows say: changed when either lists a record (the window starts at the
 * minute of the last synced change, so a record already read may be listed again: it is read again,
 * never missed) or when deletions before `start` may have left the recycle bin unseen. Undefined
 * when either failed (a window too old, say): the object is queried.
 */
function windowVerdict(start: Date, updated: unknown, deleted: unknown): { changed: boolean; covered: Date } | undefined {
  if (updated instanceof SalesforceClientError || deleted instanceof SalesforceClientError) return undefined;
  const u = updated as UpdatedAnswer;
  const d = deleted as DeletedAnswer;
  if (!Array.isArray(u?.ids) || !Array.isArray(d?.deletedRecords)) return undefined;
  const covered = Math.min(salesforceTime(u.latestDateCovered), salesforceTime(d.latestDateCovered));
  if (!Number.isFinite(covered)) return undefined;
  const purgedUnseen = salesforceTime(d.earliestDateAvailable) > Math.floor(start.getTime() / 60_000) * 60_000;
  return { changed: u.ids.length > 0 || d.deletedRecords.length > 0 || purgedUnseen, covered: new Date(covered) };
}

function salesforceTime(text: string | undefined): number {
  return text ? Date.parse(text.replace(/\+0000$/, "Z")) : Number.NaN;
}

function changeQuery(run: RunScope, read: ReadShape, lastModstamp: string | null, lastId: string | null): string {
  const ts = lastModstamp ? soqlDateTime(lastModstamp) : null;
  const where = !ts
    ? ""
    : lastId
      ? ` WHERE SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlString(lastId)})`
      : ` WHERE SystemModstamp >= ${ts}`;
  return `${read.select}${where} ORDER BY SystemModstamp, Id LIMIT ${run.options.restPageSize}`;
}

async function syncObjectIncremental(
  run: RunScope,
  object: string,
  checkpoint: Checkpoint,
  shape: ReadShape,
  firstPage: Page | SalesforceClientError,
): Promise<void> {
  const { ctx, api } = run;
  let read = shape;
  let lastModstamp = checkpoint.lastModstamp?.toISOString() ?? null;
  let lastId = checkpoint.lastId;
  let prefetched: Page | SalesforceClientError | undefined = firstPage;
  let started = false;
  const totals = { processed: 0, created: 0, updated: 0, failed: 0 };
  for (;;) {
    // The page is converted inside the schema retry: a value the stored describe's type cannot hold
    // means the field was retyped since, and the object is described again.
    const { result, shape: now } = await withSchemaRetry(run, object, read, async (s) => {
      const given = s === read ? prefetched : undefined;
      prefetched = undefined;
      if (given instanceof SalesforceClientError) throw given;
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
