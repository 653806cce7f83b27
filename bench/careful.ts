import { parse } from "csv-parse/sync";
import jsforce from "jsforce";
import postgres from "postgres";
import { SYNC_OBJECTS } from "@ferry/sync";
import type { EmulatorProcess } from "./lib";
import type { LimitResult, Sink } from "./pipeline";

// What the engine leaves out too: compound and binary fields cannot be read through Bulk 2.0.
const UNSYNCABLE = new Set(["address", "location", "base64"]);
/** The Bulk API's own default page size. */
export const CAREFUL_PAGE_SIZE = 50_000;

function copyText(value: string): string {
  return /[\\\t\n\r]/.test(value) ? value.replace(/\\/g, "\\\\").replace(/\t/g, "\\t").replace(/\n/g, "\\n").replace(/\r/g, "\\r") : value;
}

/**
 * The careful peer: what a good engineer writes by hand in an afternoon. All Bulk 2.0 query jobs
 * created up front; each job's results read with `Sforce-Locator` paging (50,000 rows a page), the
 * next page fetched while the last one is being copied; each page parsed as CSV arrays into one JSON
 * object per row and COPYed into one table keyed by (object, id) with a jsonb column. No type
 * conversion (every value stays text), no upsert, no checkpoint, no secondary index.
 */
export async function runCarefulPeer(emu: EmulatorProcess, sink: Sink): Promise<LimitResult> {
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
  const exec = async (text: string) => {
    if (sql) await sql.unsafe(text);
    else if (sink.kind === "pglite") await sink.pglite.exec(text);
  };
  const copy = async (text: string) => {
    if (sql) {
      const stream = await sql.unsafe("copy careful_records (object, id, fields) from stdin").writable();
      await new Promise<void>((resolve, reject) => {
        stream.on("error", reject);
        stream.on("finish", resolve);
        stream.end(text);
      });
    } else if (sink.kind === "pglite") {
      await sink.pglite.query("copy careful_records (object, id, fields) from '/dev/blob'", [], { blob: new Blob([text]) });
    }
  };
  const fields: Record<string, number> = {};
  let records = 0;
  const started = performance.now();
  try {
    await exec("create table careful_records (object text not null, id text not null, fields jsonb not null, primary key (object, id))");
    const jobs: { object: string; id: string }[] = [];
    for (const object of SYNC_OBJECTS) {
      const describe = (await (await call(`/sobjects/${object}/describe`)).json()) as { fields: { name: string; type: string }[] };
      const names = describe.fields.filter((f) => !UNSYNCABLE.has(f.type)).map((f) => f.name);
      fields[object] = names.length;
      const job = (await (
        await call("/jobs/query", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ operation: "query", query: `SELECT ${names.join(", ")} FROM ${object}` }) })
      ).json()) as { id: string };
      jobs.push({ object, id: job.id });
    }
    const fetchPage = async (jobId: string, locator: string | null) => {
      const params = new URLSearchParams({ maxRecords: String(CAREFUL_PAGE_SIZE) });
      if (locator) params.set("locator", locator);
      const page = await call(`/jobs/query/${jobId}/results?${params}`, { headers: { Accept: "text/csv" } });
      const next = page.headers.get("sforce-locator");
      return { csv: await page.text(), next: !next || next === "null" ? null : next };
    };
    for (const { object, id } of jobs) {
      for (;;) {
        const state = ((await (await call(`/jobs/query/${id}`)).json()) as { state: string }).state;
        if (state === "JobComplete") break;
        if (state === "Failed" || state === "Aborted") throw new Error(`bulk job ${state}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      let pending: ReturnType<typeof fetchPage> | null = fetchPage(id, null);
      while (pending) {
        const page: Awaited<ReturnType<typeof fetchPage>> = await pending;
        // The next page downloads while this one is parsed and copied.
        pending = page.next ? fetchPage(id, page.next) : null;
        const rows = parse(page.csv, { skip_empty_lines: true }) as string[][];
        const header = rows[0] ?? [];
        const idAt = header.indexOf("Id");
        const lines: string[] = [];
        for (let r = 1; r < rows.length; r++) {
          const cells = rows[r]!;
          const json: Record<string, string | null> = {};
          for (let k = 0; k < header.length; k++) json[header[k]!] = cells[k] === "" ? null : cells[k]!;
          lines.push(`${object}\t${cells[idAt]}\t${copyText(JSON.stringify(json))}\n`);
        }
        records += rows.length - 1;
        if (lines.length) await copy(lines.join(""));
      }
    }
    return { seconds: (performance.now() - started) / 1000, records, calls, fields };
  } finally {
    await sql?.end({ timeout: 5 });
  }
}
