import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import jsforce from "jsforce";
import postgres from "postgres";
import type { PGlite } from "@electric-sql/pglite";
import { SYNC_OBJECTS } from "@ferry/sync";
import type { EmulatorProcess } from "./lib";

// What the engine leaves out too: compound and binary fields cannot be read through Bulk 2.0.
const UNSYNCABLE = new Set(["address", "location", "base64"]);
export const PAGE_SIZE = 10_000;

export type Sink = { kind: "postgres"; url: string } | { kind: "pglite"; pglite: PGlite };

export interface LimitResult {
  seconds: number;
  records: number;
  calls: number;
  fields: Record<string, number>;
}

/**
 * What the limit pipeline and the careful peer share: the sync user's REST session with every call
 * counted (the login is not), the sink's SQL client, and the Bulk 2.0 query job steps.
 */
export async function openPeerSession(emu: EmulatorProcess, sink: Sink) {
  const conn = new jsforce.Connection({ loginUrl: emu.url, version: "62.0" });
  await conn.login(emu.username, emu.password + emu.token);
  const base = `${conn.instanceUrl}/services/data/v62.0`;
  const headers = { Authorization: `Bearer ${conn.accessToken}` };
  let calls = 0;
  const call = async (path: string, init: RequestInit = {}) => {
    calls++;
    const response = await fetch(`${base}${path}`, { ...init, headers: { ...headers, ...(init.headers as Record<string, string>) } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response;
  };
  const sql = sink.kind === "postgres" ? postgres(sink.url, { max: 1, onnotice: () => {} }) : undefined;
  return {
    sql,
    /** REST calls made so far. */
    calls: () => calls,
    exec: async (text: string) => {
      if (sql) await sql.unsafe(text);
      else if (sink.kind === "pglite") await sink.pglite.exec(text);
    },
    /** The fields of an object the engine reads too. */
    syncableFields: async (object: string): Promise<string[]> => {
      const describe = (await (await call(`/sobjects/${object}/describe`)).json()) as { fields: { name: string; type: string }[] };
      return describe.fields.filter((f) => !UNSYNCABLE.has(f.type)).map((f) => f.name);
    },
    /** Creates a Bulk 2.0 query job for these fields of an object; answers its id. */
    createQueryJob: async (object: string, names: string[]): Promise<string> => {
      const job = (await (
        await call("/jobs/query", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ operation: "query", query: `SELECT ${names.join(", ")} FROM ${object}` }),
        })
      ).json()) as { id: string };
      return job.id;
    },
    /** Polls a query job every 50 ms until it completes; throws if it fails or is aborted. */
    waitForJob: async (id: string): Promise<void> => {
      for (;;) {
        const state = ((await (await call(`/jobs/query/${id}`)).json()) as { state: string }).state;
        if (state === "JobComplete") break;
        if (state === "Failed" || state === "Aborted") throw new Error(`bulk job ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    /** One CSV page of a job's results (body not yet read) and the locator of the next page, null after the last. */
    resultsPage: async (id: string, locator: string | null, pageSize: number): Promise<{ page: Response; next: string | null }> => {
      const params = new URLSearchParams({ maxRecords: String(pageSize) });
      if (locator) params.set("locator", locator);
      const page = await call(`/jobs/query/${id}/results?${params}`, { headers: { Accept: "text/csv" } });
      const next = page.headers.get("sforce-locator");
      return { page, next: !next || next === "null" ? null : next };
    },
  };
}

/**
 * The limit pipeline: for each object, one Bulk 2.0 query job, its CSV result pages streamed
 * straight into `COPY` of a plain text table. No parsing, no conversion, no JSON, no upsert, no
 * checkpoint: the fastest the emulator and the database can move the same rows on this machine.
 */
export async function runLimitPipeline(emu: EmulatorProcess, sink: Sink): Promise<LimitResult> {
  const peer = await openPeerSession(emu, sink);
  const { sql } = peer;
  const fields: Record<string, number> = {};
  let records = 0;
  const started = performance.now();
  try {
    for (const object of SYNC_OBJECTS) {
      const names = await peer.syncableFields(object);
      fields[object] = names.length;
      const table = `limit_${object.toLowerCase()}`;
      await peer.exec(`create table ${table} (${names.map((n) => `"${n}" text`).join(", ")})`);
      const jobId = await peer.createQueryJob(object, names);
      await peer.waitForJob(jobId);
      let locator: string | null = null;
      do {
        const { page, next } = await peer.resultsPage(jobId, locator, PAGE_SIZE);
        locator = next;
        records += Number(page.headers.get("sforce-numberofrecords") ?? 0);
        const copy = `copy ${table} from stdin with (format csv, header true)`;
        if (sql) {
          await pipeline(Readable.fromWeb(page.body as WebReadableStream), await sql.unsafe(copy).writable());
        } else {
          // PGlite has no COPY FROM STDIN: the page goes in as a blob (it is at most one page).
          const blob = await page.blob();
          if (sink.kind === "pglite") await sink.pglite.query(`copy ${table} from '/dev/blob' with (format csv, header true)`, [], { blob });
        }
      } while (locator);
    }
    return { seconds: (performance.now() - started) / 1000, records, calls: peer.calls(), fields };
  } finally {
    await sql?.end({ timeout: 5 });
  }
}
