import { sql } from "drizzle-orm";
import { RUNTIME_ROLE, rowsOf, syncCheckpoints, withTenant, type DatabaseHandle, type Transaction } from "@ferry/db";
import { compositeGets, queryPage, type QueryPage, SalesforceClientError } from "@ferry/salesforce";
import type { RunScope } from "../engine";
import { SYNC_OBJECTS, soqlString, toSyncedRow, type SyncedRow } from "../shape/objects";
import { cycleReadShape, withSchemaRetry, type ReadShape } from "../shape/read-shape";
import { copyInto, copyLine, copyText, upsertStaged, type UpsertCounts } from "../store/stage";
import type { ChangeEventHeader } from "./decode";

/**
 * The client id Ferry names in `Sforce-Call-Options` on its own pushes: Salesforce repeats it in
 * the change events' `changeOrigin`, which is how a pushed edit is recognised and not applied again.
 */
export const FERRY_CLIENT_ID = "ferry-sync";
export const FERRY_CALL_OPTIONS = `client=${FERRY_CLIENT_ID}`;

/** Ids per `Id IN (…)` query; 200 ids keep the URL well under Salesforce's limit. */
const IDS_PER_QUERY = 200;
/** How long a stream trusts an object's read shape before reading the stored describe again. */
const SHAPE_TTL_MS = 60_000;

export class LeaseLostError extends Error {
  constructor(tenantId: string) {
    super(`Another worker took over the change stream of tenant ${tenantId}; this one stops without committing.`);
    this.name = "LeaseLostError";
  }
}

export interface StreamedEvent {
  header: ChangeEventHeader;
  replayId: Buffer;
}

export interface AppliedBatch {
  events: number;
  records: number;
  echoes: number;
  counts: UpsertCounts;
  /** Objects whose changes the events could not carry (GAP_OVERFLOW): a keyset read must cover them. */
  catchUp: string[];
  /** Salesforce commit → Ferry commit, per applied event, milliseconds. */
  lags: number[];
  committedAt: Date;
  /** Time spent reading the records from Salesforce, and writing them, milliseconds. */
  readMs: number;
  writeMs: number;
}

export interface PreparedBatch {
  events: StreamedEvent[];
  wanted: Map<string, Set<string>>;
  rows: Map<string, SyncedRow[]>;
  catchUp: Set<string>;
  echoes: number;
  applied: StreamedEvent[];
  readMs: number;
}

export interface StreamLease {
  owner: string;
  epoch: number;
}

const isEcho = (header: ChangeEventHeader) => header.changeOrigin.includes(FERRY_CALL_OPTIONS);

/**
 * What the stream applies with: the engine's run scope (API with budget, read shapes, emitter),
 * the objects the tenant syncs, and cached read shapes.
 */
export class StreamWriter {
  private readonly shapes = new Map<string, { shape: ReadShape; at: number }>();

  constructor(
    private readonly run: RunScope,
    private readonly lease: StreamLease,
    private readonly objects: readonly string[] = SYNC_OBJECTS,
  ) {}

  get tenantId(): string {
    return this.run.ctx.tenantId;
  }

  private async shape(object: string): Promise<ReadShape> {
    const cached = this.shapes.get(object);
    if (cached && Date.now() - cached.at < SHAPE_TTL_MS) return cached.shape;
    const [stored] = await withTenant({ db: this.run.ctx.database.db, tenantId: this.tenantId }, (tx) =>
      tx
        .select({ describedFields: syncCheckpoints.describedFields, describedAt: syncCheckpoints.describedAt })
        .from(syncCheckpoints)
        .where(sql`${syncCheckpoints.object} = ${object}`),
    );
    const shape = await cycleReadShape(this.run, object, stored ?? { describedFields: null, describedAt: null });
    this.shapes.set(object, { shape, at: Date.now() });
    return shape;
  }

  /**
   * Applies a batch of change events in one transaction with the last replay id. The events name
   * the records; the records are read by id through the engine's query path (queryAll, so a deleted
   * or merged record comes back as the tombstone a cycle would store, with its MasterRecordId) and
   * written by the engine's upsert: the same conversion, tombstones, merge and Lead-conversion
   * handling, and nothing older than what is stored replaces it. Ferry's own pushes are skipped.
   */
  async apply(events: StreamedEvent[]): Promise<AppliedBatch> {
    return this.commit(await this.prepare(events));
  }

  /**
   * The read half of `apply`: what the events name, read from Salesforce. A stream reads the next
   * batch while the last one commits; commits stay in order, and a row read later is never older.
   */
  async prepare(events: StreamedEvent[]): Promise<PreparedBatch> {
    const wanted = new Map<string, Set<string>>();
    const catchUp = new Set<string>();
    let echoes = 0;
    const applied: StreamedEvent[] = [];
    for (const event of events) {
      const { header } = event;
      if (!this.objects.includes(header.entityName)) continue;
      if (isEcho(header)) {
        echoes++;
        continue;
      }
      applied.push(event);
      if (header.changeType === "GAP_OVERFLOW" || header.recordIds.length === 0 || header.recordIds.some((id) => id.length < 15 || id.includes("*"))) {
        catchUp.add(header.entityName);
        continue;
      }
      const ids = wanted.get(header.entityName) ?? new Set<string>();
      for (const id of header.recordIds) ids.add(id);
      wanted.set(header.entityName, ids);
    }
    const readStarted = performance.now();
    const rows = await this.read(wanted);
    // A converted Lead's Contact is written in the same transaction, so the Contact takes the Lead's Person.
    const contacts = new Set(rows.get("Contact")?.map((r) => r.sfId));
    const convertedTo = (rows.get("Lead") ?? []).map((r) => r.convertedToId).filter((id): id is string => Boolean(id) && !contacts.has(id!));
    if (convertedTo.length && this.objects.includes("Contact")) {
      const more = await this.read(new Map([["Contact", new Set(convertedTo)]]));
      rows.set("Contact", [...(rows.get("Contact") ?? []), ...(more.get("Contact") ?? [])]);
    }
    return { events, wanted, rows, catchUp, echoes, applied, readMs: performance.now() - readStarted };
  }

  /** The write half of `apply`: the rows, the replay id and the minute's figures in one transaction. */
  async commit(prepared: PreparedBatch): Promise<AppliedBatch> {
    const { events, wanted, rows, catchUp, echoes, applied, readMs } = prepared;
    const writeStarted = performance.now();
    const last = events.at(-1);
    const lastCommit = applied.reduce((max, e) => Math.max(max, e.header.commitTimestamp), 0);
    const { counts, committedAt } = await this.write(rows, wanted, { replayId: last?.replayId ?? null, events: events.length, echoes, lastCommit, applied });
    return {
      events: events.length,
      records: [...rows.values()].reduce((n, r) => n + r.length, 0),
      echoes,
      counts,
      catchUp: [...catchUp],
      lags: applied.filter((e) => e.header.commitTimestamp > 0).map((e) => Math.max(0, committedAt.getTime() - e.header.commitTimestamp)),
      committedAt,
      readMs,
      writeMs: performance.now() - writeStarted,
    };
  }

  private async read(wanted: Map<string, Set<string>>): Promise<Map<string, SyncedRow[]>> {
    const jobs: { object: string; shape: ReadShape; ids: string[] }[] = [];
    for (const object of SYNC_OBJECTS) {
      const ids = [...(wanted.get(object) ?? [])];
      if (!ids.length) continue;
      const shape = await this.shape(object);
      for (let k = 0; k < ids.length; k += IDS_PER_QUERY) jobs.push({ object, shape, ids: ids.slice(k, k + IDS_PER_QUERY) });
    }
    const query = (shape: ReadShape, ids: string[]) => `${shape.select} WHERE Id IN (${ids.map(soqlString).join(", ")})`;
    const answers = await compositeGets<QueryPage<Record<string, unknown>>>(
      this.run.api,
      jobs.map((j) => `/queryAll?q=${encodeURIComponent(query(j.shape, j.ids))}`),
    );
    const rows = new Map<string, SyncedRow[]>();
    for (let k = 0; k < jobs.length; k++) {
      const job = jobs[k]!;
      const answer = answers[k]!;
      // A field that vanished or was retyped since the describe: the engine's schema retry re-reads it.
      const { result } = await withSchemaRetry(this.run, job.object, job.shape, async (shape) => {
        const page = shape === job.shape ? answer : await queryPage<Record<string, unknown>>(this.run.api, query(shape, job.ids), true, IDS_PER_QUERY);
        if (page instanceof SalesforceClientError) throw page;
        if (shape !== job.shape) this.shapes.set(job.object, { shape, at: Date.now() });
        return page.records.map((record) => toSyncedRow(shape.shape, (name) => record[name]));
      });
      rows.set(job.object, [...(rows.get(job.object) ?? []), ...result]);
    }
    return rows;
  }

  private async write(
    rows: Map<string, SyncedRow[]>,
    wanted: Map<string, Set<string>>,
    batch: { replayId: Buffer | null; events: number; echoes: number; lastCommit: number; applied: StreamedEvent[] },
  ): Promise<{ counts: UpsertCounts; committedAt: Date }> {
    const handle = this.run.ctx.database;
    const tenantId = this.tenantId;
    const counts: UpsertCounts = { created: 0, updated: 0, deleted: 0, unchanged: 0 };
    await stagedTransaction(handle, tenantId, rows, async (tx, stage) => {
      for (const object of SYNC_OBJECTS) {
        const list = rows.get(object);
        if (list?.length) {
          const chunk = await stage(object);
          const c = await upsertStaged(tx, object, chunk);
          counts.created += c.created;
          counts.updated += c.updated;
          counts.deleted += c.deleted;
          counts.unchanged += c.unchanged;
        }
        // Asked for but not returned by queryAll: gone past the recycle bin (or no longer visible). Tombstoned.
        const missing = [...(wanted.get(object) ?? [])].filter((id) => !list?.some((r) => r.sfId === id));
        if (missing.length) {
          const result = await tx.execute(sql`
            UPDATE sf_records SET is_deleted = true, deleted_at = coalesce(deleted_at, now()), synced_at = now()
            WHERE tenant_id = current_setting('app.tenant_id') AND object = ${object} AND sf_id IN (${sql.join(
              missing.map((id) => sql`${id}`),
              sql`, `,
            )}) AND NOT is_deleted`);
          counts.deleted += (result as { rowCount?: number; affectedRows?: number }).rowCount ?? (result as { affectedRows?: number }).affectedRows ?? 0;
        }
      }
      // The lag recorded per minute is measured at the end of the transaction (its commit follows within a statement).
      const endedAt = Date.now();
      const lagSum = batch.applied.reduce((s, e) => s + (e.header.commitTimestamp > 0 ? Math.max(0, endedAt - e.header.commitTimestamp) : 0), 0);
      const lagMax = batch.applied.reduce((m, e) => Math.max(m, e.header.commitTimestamp > 0 ? endedAt - e.header.commitTimestamp : 0), 0);
      const records = [...rows.values()].reduce((n, r) => n + r.length, 0);
      // Fenced by the lease: a worker that lost the stream (paused past its lease) commits nothing.
      const fenced = rowsOf(
        await tx.execute(sql`
          UPDATE cdc_streams SET
            replay_id = coalesce(${batch.replayId ? batch.replayId.toString("base64") : null}, replay_id),
            last_event_at = now(),
            last_commit_at = coalesce(${batch.lastCommit > 0 ? new Date(batch.lastCommit).toISOString() : null}::timestamptz, last_commit_at),
            events_applied = events_applied + ${batch.applied.length},
            echoes_skipped = echoes_skipped + ${batch.echoes},
            updated_at = now()
          WHERE tenant_id = current_setting('app.tenant_id') AND lease_owner = ${this.lease.owner} AND lease_epoch = ${this.lease.epoch}
          RETURNING tenant_id`),
      );
      if (fenced.length === 0) throw new LeaseLostError(tenantId);
      if (batch.events > 0) {
        await tx.execute(sql`
          INSERT INTO cdc_minutes (tenant_id, minute, events, records, echoes, lag_ms_sum, lag_ms_max)
          VALUES (current_setting('app.tenant_id'), date_trunc('minute', now()), ${batch.applied.length}, ${records}, ${batch.echoes}, ${Math.round(lagSum)}, ${Math.round(lagMax)})
          ON CONFLICT (tenant_id, minute) DO UPDATE SET
            events = cdc_minutes.events + excluded.events,
            records = cdc_minutes.records + excluded.records,
            echoes = cdc_minutes.echoes + excluded.echoes,
            lag_ms_sum = cdc_minutes.lag_ms_sum + excluded.lag_ms_sum,
            lag_ms_max = greatest(cdc_minutes.lag_ms_max, excluded.lag_ms_max)`);
      }
    });
    return { counts, committedAt: new Date() };
  }
}

/**
 * One transaction for a batch that may span objects: every row is COPYed once into a batch table
 * (as `withStagedChunk` does, with the privileged session PGlite's COPY needs), the role drops to
 * the runtime role with the tenant set, and each object's rows move into `sync_stage` in turn for
 * the engine's `upsertStaged`. A row older than the stored one (a cycle read a later version) is
 * dropped from the stage first, so replaying an event never moves a record back.
 */
async function stagedTransaction(
  handle: DatabaseHandle,
  tenantId: string,
  rows: Map<string, SyncedRow[]>,
  fn: (tx: Transaction, stage: (object: string) => Promise<{ count: number; converted: number; deleted: number }>) => Promise<void>,
): Promise<void> {
  const db = handle.kind === "pglite" ? handle.platform : handle.db;
  await db.transaction(async (raw) => {
    const tx = raw as unknown as Transaction;
    const columns =
      "sf_id text NOT NULL, system_modstamp timestamptz, is_deleted boolean NOT NULL, master_record_id text, converted_to_id text, fields jsonb NOT NULL";
    await tx.execute(sql.raw(`CREATE TEMP TABLE sync_stage (${columns}) ON COMMIT DROP`));
    await tx.execute(sql.raw(`CREATE TEMP TABLE sync_stage_batch (object text NOT NULL, ${columns}) ON COMMIT DROP`));
    const text = [...rows].flatMap(([object, list]) => list.map((row) => `${object}\t${copyLine(row)}`)).join("");
    if (text) await copyInto(handle, tx, "sync_stage_batch", copyText(text));
    await tx.execute(sql.raw(`GRANT SELECT, INSERT, DELETE ON sync_stage, sync_stage_batch TO ${RUNTIME_ROLE}`));
    await tx.execute(sql`select set_config('app.tenant_id', ${tenantId}, true)`);
    await tx.execute(sql.raw(`SET LOCAL ROLE ${RUNTIME_ROLE}`));
    await fn(tx, async (object) => {
      await tx.execute(sql`DELETE FROM sync_stage`);
      await tx.execute(sql`
        INSERT INTO sync_stage SELECT b.sf_id, b.system_modstamp, b.is_deleted, b.master_record_id, b.converted_to_id, b.fields
        FROM sync_stage_batch b WHERE b.object = ${object}
          AND NOT EXISTS (SELECT 1 FROM sf_records r WHERE r.tenant_id = current_setting('app.tenant_id') AND r.object = ${object}
                            AND r.sf_id = b.sf_id AND r.system_modstamp > b.system_modstamp)`);
      const [c] = rowsOf(
        await tx.execute(
          sql`SELECT count(*)::int AS count, count(converted_to_id)::int AS converted, count(*) FILTER (WHERE is_deleted)::int AS deleted FROM sync_stage`,
        ),
      ) as { count: number; converted: number; deleted: number }[];
      return c ?? { count: 0, converted: 0, deleted: 0 };
    });
  });
}
