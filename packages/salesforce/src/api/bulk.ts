import { Readable } from "node:stream";
import { parse as parseSync } from "csv-parse/sync";
import { SalesforceClientError } from "../errors";
import { sleep, type SalesforceApi } from "./client";

interface JobInfo {
  id: string;
  state: "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";
  errorMessage?: string;
  numberRecordsProcessed?: number;
}

export async function createQueryJob(api: SalesforceApi, soql: string, operation: "query" | "queryAll" = "query"): Promise<string> {
  const job = await api.json<JobInfo>("/jobs/query", { method: "POST", body: { operation, query: soql } });
  return job.id;
}

/** Polls with a growing interval until the job completes; Failed and Aborted are errors. */
export async function waitForQueryJob(api: SalesforceApi, jobId: string, pollMs = 250): Promise<JobInfo> {
  let wait = pollMs;
  for (;;) {
    const job = await api.json<JobInfo>(`/jobs/query/${jobId}`);
    if (job.state === "JobComplete") return job;
    if (job.state === "Failed" || job.state === "Aborted") {
      throw new SalesforceClientError("BULK_JOB_FAILED", `Bulk query job ${jobId} ended ${job.state}${job.errorMessage ? `: ${job.errorMessage}` : ""}`);
    }
    await sleep(wait, api.signal);
    wait = Math.min(5_000, Math.round(wait * 1.5));
  }
}

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/**
 * The CSV records of a byte stream, each handed over as `data[start..end)` with its line ending
 * (one without a final newline gets one), blank lines skipped. A newline ends a record unless it
 * lies between quotes; a doubled quote inside quotes toggles twice (RFC 4180). The cells are left to
 * whoever reads the bytes. A promise returned by `onRecord` is awaited before the next record.
 */
export async function splitCsvRecords(
  source: AsyncIterable<Buffer>,
  onRecord: (data: Buffer, start: number, end: number) => void | Promise<void>,
): Promise<void> {
  const record = (data: Buffer, start: number, end: number) =>
    end - start === 1 || (end - start === 2 && data[start] === CARRIAGE_RETURN) ? undefined : onRecord(data, start, end);
  let data: Buffer = Buffer.alloc(0);
  let from = 0;
  let at = 0;
  let quoted = false;
  for await (const piece of source) {
    // The unfinished record (less than one) is carried into the next piece.
    if (from < data.length) {
      at -= from;
      data = Buffer.concat([data.subarray(from), piece]);
    } else {
      at = 0;
      data = piece;
    }
    from = 0;
    for (const length = data.length; at < length; at++) {
      const byte = data[at];
      if (byte === QUOTE) quoted = !quoted;
      else if (byte === NEWLINE && !quoted) {
        const wait = record(data, from, at + 1);
        from = at + 1;
        if (wait) await wait;
      }
    }
  }
  if (quoted) throw new SalesforceClientError("MALFORMED_RESPONSE", "Bulk results end inside a quoted value: the download was cut short");
  if (from < data.length) {
    const wait = record(Buffer.concat([data.subarray(from), Buffer.from("\n")]), 0, data.length - from + 1);
    if (wait) await wait;
  }
}

/**
 * One results page as it streams, record by record, unparsed: `onRecord` gets the bytes of each
 * whole CSV record (`splitCsvRecords`) so a caller can hand them to Postgres's `COPY … (format
 * csv)` as they are. The header row comes first, parsed, to `onHeader`. A promise returned by
 * `onRecord` is awaited before the next record, which holds the download back while the caller's
 * buffers are full. A page that ends inside a quoted value, or holds another number of records than
 * its `Sforce-NumberOfRecords`, was cut short on the way: it fails. jsforce's own bulk2 reader breaks on the second page, so the
 * locator loop is ours. Returns the next locator, or null after the last page.
 */
export async function readResultsCsv(
  api: SalesforceApi,
  jobId: string,
  locator: string | null,
  maxRecords: number,
  onHeader: (columns: string[]) => void,
  onRecord: (data: Buffer, start: number, end: number) => void | Promise<void>,
): Promise<{ next: string | null; rows: number }> {
  const params = new URLSearchParams({ maxRecords: String(maxRecords) });
  if (locator) params.set("locator", locator);
  const response = await api.request(`/jobs/query/${jobId}/results?${params}`, { accept: "text/csv" });
  const header = response.headers.get("sforce-locator");
  const next = !header || header === "null" ? null : header;
  const announced = Number(response.headers.get("sforce-numberofrecords") ?? Number.NaN);
  if (!response.body) return { next, rows: 0 };
  const source = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  let rows = 0;
  let headerSeen = false;
  try {
    await splitCsvRecords(source, (data, start, end) => {
      if (!headerSeen) {
        headerSeen = true;
        onHeader(parseSync(data.subarray(start, end))[0] as string[]);
        return;
      }
      rows++;
      return onRecord(data, start, end);
    });
  } finally {
    // A caller that stops early (an error, a run handing its slot back) must not leave the download open.
    source.destroy();
  }
  if (Number.isInteger(announced) && announced !== rows) {
    throw new SalesforceClientError(
      "MALFORMED_RESPONSE",
      `Bulk results page of job ${jobId} holds ${rows} records where Salesforce announced ${announced}: the download was cut short`,
    );
  }
  return { next, rows };
}
