import { SYNC_OBJECTS } from "@ferry/sync";
import type { EmulatorProcess } from "./lib";
import { openPeerSession, type LimitResult, type Sink } from "./pipeline";

/** The Bulk API's own default page size. */
export const CAREFUL_PAGE_SIZE = 50_000;

/**
 * The record browser's keys and indexes as `sf_records` has them (generated columns for the name and
 * e-mail keys, three secondary indexes), on the careful peer's table: the same script paying what
 * Ferry's table costs to write.
 */
const FERRY_INDEXES = `
  alter table careful_records
    add column modstamp text generated always as (fields->>'SystemModstamp') stored,
    add column name_key text collate "C" generated always as (lower(fields->>'Name')) stored,
    add column email_key text collate "C" generated always as (lower(btrim(fields->>'Email'))) stored;
  create index on careful_records (name_key, id) where object in ('Lead', 'Contact');
  create index on careful_records (email_key, id) where object in ('Lead', 'Contact');
  create index on careful_records (object, name_key, id)`;

/**
 * The careful peer: what a good engineer writes by hand in an afternoon, as fast as it goes. All
 * Bulk 2.0 query jobs created up front; each job's results read with `Sforce-Locator` paging
 * (50,000 rows a page), the next page fetched while the last one is copied; each CSV page goes
 * unparsed into `COPY … (format csv)` of a temporary table of text columns, and Postgres builds the
 * JSON (`to_jsonb` of the row) in one INSERT … SELECT into a table keyed by (object, id) with a
 * jsonb column. No type conversion (every value stays text), no upsert, no checkpoint, no secondary
 * index unless `ferryIndexes`. (Its first version parsed the CSV in JavaScript and built each row's
 * JSON there: 50.6 s against this one's 32.5 s for 1,000,000 Leads on the same machine.)
 */
export async function runCarefulPeer(emu: EmulatorProcess, sink: Sink, options: { ferryIndexes?: boolean } = {}): Promise<LimitResult> {
  const peer = await openPeerSession(emu, sink);
  const { sql } = peer;
  const copyCsv = async (table: string, csv: Buffer) => {
    const copy = `copy ${table} from ${sql ? "stdin" : "'/dev/blob'"} with (format csv, header true)`;
    if (sql) {
      const stream = await sql.unsafe(copy).writable();
      await new Promise<void>((resolve, reject) => {
        stream.on("error", reject);
        stream.on("finish", resolve);
        stream.end(csv);
      });
    } else if (sink.kind === "pglite") {
      await sink.pglite.query(copy, [], { blob: new Blob([csv]) });
    }
  };
  const fields: Record<string, number> = {};
  let records = 0;
  const started = performance.now();
  try {
    await peer.exec("create table careful_records (object text not null, id text not null, fields jsonb not null, primary key (object, id))");
    if (options.ferryIndexes) await peer.exec(FERRY_INDEXES);
    const jobs: { object: string; id: string; names: string[] }[] = [];
    for (const object of SYNC_OBJECTS) {
      const names = await peer.syncableFields(object);
      fields[object] = names.length;
      jobs.push({ object, id: await peer.createQueryJob(object, names), names });
    }
    const fetchPage = async (jobId: string, locator: string | null) => {
      const { page, next } = await peer.resultsPage(jobId, locator, CAREFUL_PAGE_SIZE);
      return { csv: Buffer.from(await page.arrayBuffer()), next, count: Number(page.headers.get("sforce-numberofrecords") ?? 0) };
    };
    for (const { object, id, names } of jobs) {
      const stage = `stage_${object.toLowerCase()}`;
      await peer.exec(`create temp table ${stage} (${names.map((n) => `"${n}" text`).join(", ")})`);
      await peer.waitForJob(id);
      let pending: ReturnType<typeof fetchPage> | null = fetchPage(id, null);
      while (pending) {
        const page: Awaited<ReturnType<typeof fetchPage>> = await pending;
        // The next page downloads while this one is copied.
        pending = page.next ? fetchPage(id, page.next) : null;
        await copyCsv(stage, page.csv);
        await peer.exec(`insert into careful_records (object, id, fields) select '${object}', s."Id", to_jsonb(s) from ${stage} s; truncate ${stage}`);
        records += page.count;
      }
    }
    return { seconds: (performance.now() - started) / 1000, records, calls: peer.calls(), fields };
  } finally {
    await sql?.end({ timeout: 5 });
  }
}
