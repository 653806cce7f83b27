import { sql } from "drizzle-orm";
import { RUNTIME_ROLE, pgErrorCode, pgErrorMessage, type DatabaseHandle, type Transaction, rowsOf } from "@ferry/db";
import { SalesforceClientError } from "@ferry/salesforce";
import { malformedCell, type CsvStage, type SyncedRow } from "../shape/objects";

/** COPY text format: backslash, tab, newline and carriage return escaped; null as \N. */
const NEEDS_ESCAPE = /[\\\t\n\r]/;

function copyField(value: string | null): string {
  if (value === null) return "\\N";
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

export function copyLine(row: SyncedRow): string {
  return (
    [
      copyField(row.sfId),
      copyField(row.systemModstamp),
      row.isDeleted ? "t" : "f",
      copyField(row.masterRecordId),
      copyField(row.convertedToId),
      copyField(JSON.stringify(row.fields)),
    ].join("\t") + "\n"
  );
}

/** Lines gathered before they are packed into one buffer of the chunk. */
const PACK_BYTES = 256 * 1024;

/**
 * A chunk's bytes for COPY, gathered in pieces as the page streams in (never joined into one: a
 * chunk is megabytes) and handed over once: dropped as soon as they are in the staging table, so a
 * chunk waiting for its turn to commit (on Postgres, behind the chunk before it) holds its counts only.
 */
abstract class CopyPieces {
  protected packed: Buffer[] = [];
  private released = false;
  count = 0;

  /** Moves what is still being gathered into `packed`. */
  protected abstract pack(): void;
  protected abstract dropPending(): void;

  pieces(): readonly Buffer[] {
    if (this.released) throw new Error("A chunk's rows are copied once: this chunk was already written");
    this.pack();
    return this.packed;
  }

  release(): void {
    this.packed = [];
    this.dropPending();
    this.released = true;
  }
}

/**
 * A chunk's rows as COPY text, built while the page streams in; bounded by the chunk size. The
 * lines are packed into UTF-8 buffers of about 256 KB as they come: a row's strings die young (a
 * cheap scavenge) instead of living in the old generation until the chunk commits, and the text
 * the chunk holds lies outside the JavaScript heap, returned as soon as the chunk is dropped.
 * Kept as strings, a 1M-row load left the old generation full of committed chunks' lines that
 * V8 collected late: the worker's memory grew with the org.
 */
export class StagedChunk extends CopyPieces {
  private pending: string[] = [];
  private pendingLength = 0;
  converted = 0;
  deleted = 0;
  lastId: string | null = null;
  lastModstamp: string | null = null;

  add(row: SyncedRow): void {
    const line = copyLine(row);
    this.pending.push(line);
    this.pendingLength += line.length;
    if (this.pendingLength >= PACK_BYTES) this.pack();
    this.count++;
    if (row.convertedToId) this.converted++;
    if (row.isDeleted) this.deleted++;
    this.lastId = row.sfId;
    this.lastModstamp = row.systemModstamp;
  }

  protected pack(): void {
    if (this.pending.length === 0) return;
    this.packed.push(Buffer.from(this.pending.join(""), "utf8"));
    this.dropPending();
  }

  protected dropPending(): void {
    this.pending = [];
    this.pendingLength = 0;
  }
}

/**
 * A chunk of Bulk CSV records kept as the bytes Salesforce sent (Postgres reads the cells): runs of
 * consecutive records are kept as one slice of the download's buffers, outside the JavaScript heap.
 */
export class CsvChunk extends CopyPieces {
  private data: Buffer | null = null;
  private start = 0;
  private end = 0;

  add(data: Buffer, start: number, end: number): void {
    if (data !== this.data || start !== this.end) {
      this.pack();
      this.data = data;
      this.start = start;
    }
    this.end = end;
    this.count++;
  }

  protected pack(): void {
    if (this.data) this.packed.push(this.data.subarray(this.start, this.end));
    this.dropPending();
  }

  protected dropPending(): void {
    this.data = null;
  }
}

/** What COPY reads: the text in UTF-8 pieces, never joined into one. */
export type CopySource = Pick<StagedChunk, "pieces">;

/** A source of one prepared text (a small batch's lines already joined). */
export function copyText(text: string): CopySource {
  const pieces = [Buffer.from(text, "utf8")];
  return { pieces: () => pieces };
}

export async function copyInto(handle: DatabaseHandle, tx: Transaction, table: string, chunk: CopySource, format: "text" | "csv" = "text"): Promise<void> {
  const client = (tx as unknown as { session: { client: unknown } }).session.client;
  const options = format === "csv" ? " (FORMAT csv)" : "";
  if (handle.kind === "pglite") {
    const pglite = client as { query(q: string, p: unknown[], o: { blob: Blob }): Promise<unknown> };
    await pglite.query(`COPY ${table} FROM '/dev/blob'${options}`, [], { blob: new Blob(chunk.pieces() as Buffer<ArrayBuffer>[]) });
    return;
  }
  const reserved = client as { unsafe(q: string): { writable(): Promise<NodeJS.WritableStream> } };
  const stream = await reserved.unsafe(`COPY ${table} FROM STDIN${options}`).writable();
  await new Promise<void>((resolve, reject) => {
    stream.on("error", reject);
    stream.on("finish", resolve);
    const pieces = chunk.pieces();
    let k = 0;
    // Written as the connection drains: at most one piece waits in the socket's buffer.
    const pump = () => {
      while (k < pieces.length) {
        if (!stream.write(pieces[k++]!)) return void stream.once("drain", pump);
      }
      stream.end();
    };
    pump();
  });
}

const CREATE_STAGE =
  "CREATE TEMP TABLE sync_stage (sf_id text NOT NULL, system_modstamp timestamptz, is_deleted boolean NOT NULL, master_record_id text, converted_to_id text, fields jsonb NOT NULL) ON COMMIT DROP";

/**
 * One transaction for a chunk: `fill` puts its rows into the temporary staging table `sync_stage`
 * (no tenant data is readable there, and PGlite only lets a privileged role COPY from its blob
 * device), then the role drops to the runtime role with the tenant set, exactly as `withTenant`
 * does, so the upsert, the checkpoint and the counters run under row-level security and commit
 * together. On Postgres the runtime login may COPY into its own temporary table; PGlite's blob
 * device needs the privileged session, whose role drops before any tenant row is touched.
 */
async function withStage<S, T>(
  handle: DatabaseHandle,
  tenantId: string,
  fill: (tx: Transaction) => Promise<S>,
  fn: (tx: Transaction, staged: S) => Promise<T>,
): Promise<T> {
  const db = handle.kind === "pglite" ? handle.platform : handle.db;
  return db.transaction(async (tx) => {
    const t = tx as unknown as Transaction;
    const staged = await fill(t);
    await t.execute(sql.raw(`GRANT SELECT ON sync_stage TO ${RUNTIME_ROLE}`));
    // The chunk commits without waiting for its WAL to reach the disk: the rows and the checkpoint
    // that covers them are one transaction, so a server crash can only lose both together (the
    // run reads them again), and the next synchronous commit — the job's own — flushes them.
    await t.execute(sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('synchronous_commit', 'off', true)`);
    await t.execute(sql.raw(`SET LOCAL ROLE ${RUNTIME_ROLE}`));
    return fn(t, staged);
  });
}

/** A chunk of rows converted in JavaScript (REST pages, cycles), COPYed as text into `sync_stage`. */
export function withStagedChunk<T>(handle: DatabaseHandle, tenantId: string, chunk: StagedChunk, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return withStage(
    handle,
    tenantId,
    async (t) => {
      await t.execute(sql.raw(CREATE_STAGE));
      if (chunk.count > 0) await copyInto(handle, t, "sync_stage", chunk);
      chunk.release();
    },
    (t) => fn(t),
  );
}

/** What a CSV chunk's staging found: the counts `upsertStaged` reports. */
export type StagedCounts = Pick<StagedChunk, "count" | "converted" | "deleted">;

/**
 * A chunk of Bulk CSV records: COPYed as Salesforce sent them into a text table, read through the
 * view `sync_stage` that converts each record as the rows are written (`stage.view`), so no record
 * is parsed or serialized in JavaScript and none is staged twice. Damage surfaces as Salesforce's:
 * records COPY cannot read, or a cell that is not a valid value of its field's type (named, as
 * `valueConverter` names it), fail the chunk with MALFORMED_RESPONSE.
 */
export function withCsvChunk<T>(
  handle: DatabaseHandle,
  tenantId: string,
  chunk: CsvChunk,
  stage: CsvStage | undefined,
  fn: (tx: Transaction, staged: StagedCounts) => Promise<T>,
): Promise<T> {
  return withStage(
    handle,
    tenantId,
    async (t) => {
      // A page's empty tail (or a page without records, hence without a header) stages nothing.
      if (chunk.count === 0 || !stage) {
        if (chunk.count > 0) throw new SalesforceClientError("MALFORMED_RESPONSE", "Salesforce sent Bulk results without a header row");
        chunk.release();
        await t.execute(sql.raw(CREATE_STAGE));
        return { count: 0, converted: 0, deleted: 0 };
      }
      const columns = Array.from({ length: stage.columns }, (_, k) => `c${k + 1} text`).join(", ");
      await t.execute(sql.raw(`CREATE TEMP TABLE sync_csv (${columns}) ON COMMIT DROP`));
      try {
        await copyInto(handle, t, "sync_csv", chunk, "csv");
      } catch (error) {
        if (!isDataError(error)) throw error;
        throw new SalesforceClientError("MALFORMED_RESPONSE", `Salesforce sent Bulk results Ferry cannot read as CSV: ${databaseMessage(error)}`);
      } finally {
        chunk.release();
      }
      await t.execute(sql.raw(`SELECT set_config('TimeZone', 'UTC', true)`));
      // Dropped with the table it reads at the end of the transaction.
      await t.execute(sql.raw(stage.view));
      await t.execute(sql.raw(`GRANT SELECT ON sync_csv TO ${RUNTIME_ROLE}`));
      const [counts] = rowsOf(await t.execute(sql.raw(stage.counts))) as { count: number; ids: number; deleted: number; converted: number }[];
      if (counts!.count !== chunk.count) {
        throw new SalesforceClientError("MALFORMED_RESPONSE", `Salesforce sent ${chunk.count} Bulk records that read as ${counts!.count} CSV rows`);
      }
      if (counts!.ids !== counts!.count) throw new SalesforceClientError("MALFORMED_RESPONSE", "Salesforce sent a Bulk record without an Id");
      return { count: counts!.count, converted: counts!.converted, deleted: counts!.deleted };
    },
    async (t, staged) => {
      if (staged.count === 0 || !stage) return fn(t, staged);
      // The cells are converted while the rows are written: a cell that fails names its field.
      await t.execute(sql.raw("SAVEPOINT sync_convert"));
      try {
        return await fn(t, staged);
      } catch (error) {
        if (!isDataError(error)) throw error;
        await t.execute(sql.raw("ROLLBACK TO SAVEPOINT sync_convert"));
        throw await failingCell(t, stage, error);
      }
    },
  );
}

/** Data exceptions (SQLSTATE class 22): what damaged input raises, as opposed to a failing database. */
function isDataError(error: unknown): boolean {
  return pgErrorCode(error)?.startsWith("22") ?? false;
}

function databaseMessage(error: unknown): string {
  return pgErrorMessage(error) ?? (error instanceof Error ? error.message : String(error));
}

/** The first field whose conversion fails on its own names the cell, as JavaScript's conversion did. */
async function failingCell(t: Transaction, stage: CsvStage, original: unknown): Promise<Error> {
  for (const check of stage.checks) {
    await t.execute(sql.raw("SAVEPOINT sync_check"));
    try {
      await t.execute(sql.raw(`SELECT count(${check.expression}) FROM sync_csv`));
      await t.execute(sql.raw("RELEASE SAVEPOINT sync_check"));
    } catch (error) {
      if (!isDataError(error)) throw error;
      await t.execute(sql.raw("ROLLBACK TO SAVEPOINT sync_check"));
      return malformedCell(check.field, check.type, databaseMessage(error));
    }
  }
  return new SalesforceClientError("MALFORMED_RESPONSE", `Salesforce sent Bulk results Ferry cannot convert: ${databaseMessage(original)}`);
}

/**
 * Statistics for the rows a load has just written (the key columns only: sampling the JSON would
 * cost more than the load gains). Nothing else analyzes `sf_records` during a load — autovacuum may
 * be off or late — and a planner without statistics takes default selectivities under which the
 * (tenant, object, name) index looks as good as the primary key for a lookup by id, turning key probes into
 * scans of the tenant's object. Only the table's owner may analyze it, so this is platform work on
 * the privileged handle, outside any chunk's transaction.
 */
export async function analyzeRecords(handle: DatabaseHandle): Promise<void> {
  await handle.platform.execute(sql.raw("ANALYZE sf_records (tenant_id, object, sf_id, system_modstamp, person_id, is_deleted)"));
}

export interface UpsertCounts {
  created: number;
  updated: number;
  deleted: number;
  unchanged: number;
}

/**
 * The chunk into `sf_records` in one statement. Rows equal to what is stored are left alone
 * (a re-read page or an empty cycle writes nothing); deletions become tombstones; a converted
 * Lead points to its Contact, which takes over the Lead's Person identity. `firstLoad`: the object
 * had no stored rows when its initial read began and the chunk cannot overlap a committed one, so
 * a plain INSERT does (no conflict probe, no comparison with stored rows). `turn`: the previous
 * chunk's transaction, written alongside; nothing after this chunk's rows happens before it commits.
 */
export async function upsertStaged(
  tx: Transaction,
  object: string,
  chunk: Pick<StagedChunk, "count" | "converted" | "deleted">,
  options: { firstLoad?: boolean; turn?: Promise<unknown> } = {},
): Promise<UpsertCounts> {
  const staged = chunk.count;
  if (staged === 0) {
    if (options.turn) await options.turn;
    return { created: 0, updated: 0, deleted: 0, unchanged: 0 };
  }
  let counts: UpsertCounts;
  if (options.firstLoad) {
    await tx.execute(sql`
      INSERT INTO sf_records (tenant_id, object, sf_id, fields, system_modstamp, is_deleted, deleted_at, master_record_id, person_id, converted_to_id, synced_at)
      SELECT current_setting('app.tenant_id'), ${object}, s.sf_id, s.fields, s.system_modstamp, s.is_deleted,
             CASE WHEN s.is_deleted THEN s.system_modstamp END, s.master_record_id,
             CASE WHEN ${object} IN ('Lead', 'Contact') THEN s.sf_id END, s.converted_to_id, now()
      FROM sync_stage s`);
    counts = { created: staged - chunk.deleted, updated: 0, deleted: chunk.deleted, unchanged: 0 };
  } else {
    const result = await tx.execute(sql`
    WITH up AS (
      INSERT INTO sf_records AS r (tenant_id, object, sf_id, fields, system_modstamp, is_deleted, deleted_at, master_record_id, person_id, converted_to_id, synced_at)
      SELECT current_setting('app.tenant_id'), ${object}, s.sf_id, s.fields, s.system_modstamp, s.is_deleted,
             CASE WHEN s.is_deleted THEN s.system_modstamp END, s.master_record_id,
             CASE WHEN ${object} IN ('Lead', 'Contact') THEN s.sf_id END, s.converted_to_id, now()
      FROM sync_stage s
      ON CONFLICT (tenant_id, object, sf_id) DO UPDATE SET
        fields = excluded.fields,
        system_modstamp = excluded.system_modstamp,
        is_deleted = excluded.is_deleted,
        deleted_at = CASE WHEN excluded.is_deleted THEN coalesce(r.deleted_at, excluded.deleted_at) END,
        master_record_id = excluded.master_record_id,
        converted_to_id = excluded.converted_to_id,
        synced_at = now()
      WHERE r.fields IS DISTINCT FROM excluded.fields
         OR r.is_deleted IS DISTINCT FROM excluded.is_deleted
         OR r.system_modstamp IS DISTINCT FROM excluded.system_modstamp
      RETURNING (xmax = 0) AS inserted, is_deleted
    )
    SELECT count(*) FILTER (WHERE inserted AND NOT is_deleted)::int AS created,
           count(*) FILTER (WHERE NOT inserted AND NOT is_deleted)::int AS updated,
           count(*) FILTER (WHERE is_deleted)::int AS deleted,
           count(*)::int AS written
    FROM up`);
    const row = rowsOf(result)[0] as { created: number; updated: number; deleted: number; written: number };
    counts = { created: row.created, updated: row.updated, deleted: row.deleted, unchanged: staged - row.written };
  }
  // Chunks written side by side: the rows went in at once, the rest follows the previous chunk's commit.
  if (options.turn) await options.turn;
  if (object === "Lead" && chunk.converted > 0) await convertLeads(tx);
  return counts;
}

/**
 * The Contacts of the chunk's converted Leads take over the Leads' Person identity. Its plan must not
 * depend on statistics: during a load nothing has analyzed `sf_records` (autovacuum may be off or
 * late) and a planner that misjudges its size hash-joins every chunk against every stored Lead, a
 * cost that grows with the table. So the statement may only reach stored rows by key: each converted
 * row looks up its Lead (a correlated subquery) and its Contact (an id list) through the primary key,
 * and every access path that could scan them is switched off for the statement. The Contacts found
 * then meet the chunk's pairs in a hash join: both sides are the chunk's few hundred rows, which a
 * nested loop compared with each other (55,000 comparisons and 15–38 ms a chunk against 4–5).
 */
export async function convertLeads(tx: Transaction): Promise<void> {
  await tx.execute(plannerProbesOnly(true));
  await tx.execute(CONVERT_LEADS);
  await tx.execute(plannerProbesOnly(false));
}

/** Transaction-local planner settings that leave index scans as the only way to stored rows. */
export function plannerProbesOnly(on: boolean) {
  const v = on ? "off" : "on";
  return sql.raw(
    `SELECT set_config('enable_mergejoin', '${v}', true), set_config('enable_seqscan', '${v}', true), set_config('enable_bitmapscan', '${v}', true)`,
  );
}

export const CONVERT_LEADS = sql`
  WITH pairs AS MATERIALIZED (
    -- A correlated subquery runs once per converted row with its id as the key: a probe, whatever the statistics.
    SELECT conv.converted_to_id AS contact_id,
           min((SELECT l.person_id FROM sf_records l
                WHERE l.tenant_id = current_setting('app.tenant_id') AND l.object = 'Lead' AND l.sf_id = conv.sf_id)) AS person_id
    FROM sync_stage conv
    WHERE conv.converted_to_id IS NOT NULL
    GROUP BY conv.converted_to_id
  )
  UPDATE sf_records c SET person_id = pairs.person_id
  FROM pairs
  WHERE c.tenant_id = current_setting('app.tenant_id') AND c.object = 'Contact'
    -- The Contacts are addressed by key too (an id list), never found by scanning the tenant's Contacts.
    AND c.sf_id = ANY (ARRAY(SELECT contact_id FROM pairs))
    AND c.sf_id = pairs.contact_id AND c.person_id IS DISTINCT FROM pairs.person_id
    -- Several Leads converted into one Contact: the smallest Lead identity wins, whatever the
    -- page boundaries, so two full reads store the same Person.
    AND (c.person_id IS NULL OR c.person_id = c.sf_id OR pairs.person_id < c.person_id)`;
