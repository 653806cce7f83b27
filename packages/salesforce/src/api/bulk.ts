import { Readable } from "node:stream";
import { parse } from "csv-parse";
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

/**
 * One results page, parsed as it streams: `onRow` sees each CSV record as an array of cells (in the
 * order of the header row, given to `onHeader` first) and the page is never held as a whole. A
 * promise returned by `onRow` is awaited before the next row, which holds the download back while
 * the caller's buffers are full. jsforce's own bulk2 reader breaks on the second page, so the
 * locator loop is ours. Returns the next locator, or null after the last page.
 */
export async function readResultsPage(
  api: SalesforceApi,
  jobId: string,
  locator: string | null,
  maxRecords: number,
  onHeader: (columns: string[]) => void,
  onRow: (cells: string[]) => void | Promise<void>,
): Promise<{ next: string | null; rows: number }> {
  const params = new URLSearchParams({ maxRecords: String(maxRecords) });
  if (locator) params.set("locator", locator);
  const response = await api.request(`/jobs/query/${jobId}/results?${params}`, { accept: "text/csv" });
  const header = response.headers.get("sforce-locator");
  const next = !header || header === "null" ? null : header;
  if (!response.body) return { next, rows: 0 };
  const source = Readable.fromWeb(response.body as import("node:stream/web").ReadableStream);
  const parser = parse({ skip_empty_lines: true });
  // pipe() does not forward errors: an aborted or broken download must fail the page, not hang it.
  source.on("error", (error) => parser.destroy(error));
  source.pipe(parser);
  let rows = 0;
  let first = true;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (first) {
        first = false;
        onHeader(cells);
        continue;
      }
      const wait = onRow(cells);
      if (wait) await wait;
      rows++;
    }
  } finally {
    // A caller that stops early (an error, a run handing its slot back) must not leave the download open.
    source.destroy();
  }
  return { next, rows };
}
