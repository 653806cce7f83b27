import { parse } from "csv-parse/sync";
import { SYNC_OBJECTS } from "@ferry/sync";
import type { EmulatorProcess } from "./lib";
import { openPeerSession, type LimitResult, type Sink } from "./pipeline";

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
  const peer = await openPeerSession(emu, sink);
  const { sql } = peer;
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
    await peer.exec("create table careful_records (object text not null, id text not null, fields jsonb not null, primary key (object, id))");
    const jobs: { object: string; id: string }[] = [];
    for (const object of SYNC_OBJECTS) {
      const names = await peer.syncableFields(object);
      fields[object] = names.length;
      jobs.push({ object, id: await peer.createQueryJob(object, names) });
    }
    const fetchPage = async (jobId: string, locator: string | null) => {
      const { page, next } = await peer.resultsPage(jobId, locator, CAREFUL_PAGE_SIZE);
      return { csv: await page.text(), next };
    };
    for (const { object, id } of jobs) {
      await peer.waitForJob(id);
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
    return { seconds: (performance.now() - started) / 1000, records, calls: peer.calls(), fields };
  } finally {
    await sql?.end({ timeout: 5 });
  }
}
