import { parse as parseCsv } from "csv-parse/sync";
import { ApiError } from "../errors";
import { encodeCounter } from "../ids";
import { WriteFailure, type OrgUser } from "../data/org";
import type { RowRef } from "../data/table";
import { createRecord, deleteRecord, Tx, updateRecord, upsertRecord } from "../data/writes";
import { compileQuery, type QueryPlan } from "../soql/compile";
import { runQuery } from "../soql/execute";
import { formatDateTimeCsv } from "../time";
import type { EmulatorContext } from "./context";
import type { Req, Res } from "./http";
import { xmlEscape, xmlUnescape } from "./soap";
import { csvLine, csvPage } from "./serialize";
import { bearerToken, type Session } from "./sessions";

const NS = "http://www.force.com/2009/06/asyncapi/dataload";
type Operation = "insert" | "update" | "upsert" | "delete" | "hardDelete" | "query" | "queryAll";

interface Batch {
  id: string;
  state: "Queued" | "InProgress" | "Completed" | "Failed" | "NotProcessed";
  stateMessage?: string;
  createdDate: number;
  startAt: number;
  doneAt: number;
  input: string;
  processed: number;
  failed: number;
  /** Ingest: one result row per input row. */
  results: { id: string; success: boolean; created: boolean; error: string }[];
  /** Query: the rows and their result chunks. */
  plan?: QueryPlan;
  rows?: RowRef[];
  resultIds: string[];
}

interface Job {
  id: string;
  userId: string;
  operation: Operation;
  object: string;
  externalIdFieldName: string | null;
  contentType: "CSV" | "JSON";
  state: "Open" | "Closed" | "Aborted" | "Failed";
  createdDate: number;
  apiVersion: string;
  batches: Batch[];
}

const xml = (status: number, body: string): Res => ({
  status,
  headers: { "Content-Type": "application/xml" },
  body: `<?xml version="1.0" encoding="UTF-8"?>${body}`,
});
const tag = (body: string, name: string) => {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(body);
  return m ? xmlUnescape(m[1]!.trim()) : undefined;
};

/** Bulk API 1.0 errors: `<error><exceptionCode>…` (400), as jsforce reads them (InvalidSessionId triggers a refresh). */
function asyncError(code: string, message: string, json: boolean, status = 400): Res {
  if (json) return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ exceptionCode: code, exceptionMessage: message }) };
  return xml(status, `<error xmlns="${NS}"><exceptionCode>${code}</exceptionCode><exceptionMessage>${xmlEscape(message)}</exceptionMessage></error>`);
}

/**
 * Bulk API 1.0 (`/services/async/{v}/job…`, session in `X-SFDC-Session`): jobs in XML or JSON, CSV or
 * JSON batches, batch results, query batches with result chunks, the same `job-failure` fault as Bulk 2.0.
 */
export class BulkV1 {
  private readonly jobs = new Map<string, Job>();
  private seq = 0;

  constructor(private readonly ctx: EmulatorContext) {}

  clear(): void {
    this.jobs.clear();
  }

  private nextId(prefix: string): string {
    const raw = `${prefix}HE0${encodeCounter(++this.seq, 9)}`;
    return raw + "AAA";
  }

  async handle(req: Req, version: string, rest: string): Promise<Res> {
    const json = /json/i.test(String(req.headers["content-type"] ?? "")) || /json/i.test(String(req.headers.accept ?? ""));
    const raw = req.headers["x-sfdc-session"];
    const token = (Array.isArray(raw) ? raw[0] : raw) ?? bearerToken(req.headers);
    const session = this.ctx.sessions.validate(token);
    if (!session) return asyncError("InvalidSessionId", "Invalid session id", json);
    const org = this.ctx.org;
    if (org.apiUsage >= org.dailyApiLimit) return asyncError("ExceededQuota", "TotalRequests Limit exceeded.", json, 403);
    org.apiUsage++;
    const fault = this.ctx.faults.check(/query/i.test(rest) ? "bulk-query" : "bulk-ingest", req.method !== "GET");
    if (fault) return asyncError(fault.errorCode, fault.message, json, fault.status);
    try {
      let m: RegExpExecArray | null;
      if (req.method === "POST" && /^\/job\/?$/.test(rest)) return this.createJob(req, session, version);
      if ((m = /^\/job\/(750\w{15})\/?$/.exec(rest)))
        return req.method === "POST" ? this.changeState(req, session, m[1]!) : this.jobInfo(this.job(session, m[1]!));
      if ((m = /^\/job\/(750\w{15})\/batch\/?$/.exec(rest)))
        return req.method === "POST" ? this.addBatch(req, session, m[1]!) : this.batchList(this.job(session, m[1]!));
      if ((m = /^\/job\/(750\w{15})\/batch\/(751\w{15})\/?$/.exec(rest))) return this.batchInfo(this.job(session, m[1]!), this.batch(session, m[1]!, m[2]!));
      if ((m = /^\/job\/(750\w{15})\/batch\/(751\w{15})\/result\/?$/.exec(rest)))
        return this.batchResult(this.job(session, m[1]!), this.batch(session, m[1]!, m[2]!));
      if ((m = /^\/job\/(750\w{15})\/batch\/(751\w{15})\/result\/(752\w{15})\/?$/.exec(rest)))
        return this.queryResult(this.job(session, m[1]!), this.batch(session, m[1]!, m[2]!), m[3]!);
      return asyncError("InvalidUrl", `Unknown Bulk API resource: ${rest}`, json, 404);
    } catch (e) {
      if (e instanceof ApiError) return asyncError(e.errorCode, e.message, json, e.status);
      throw e;
    }
  }

  private job(session: Session, id: string): Job {
    const job = this.jobs.get(id);
    if (!job || job.userId !== session.user.id) throw new ApiError(400, "InvalidJob", `Invalid job id: ${id}`);
    for (const b of job.batches) this.advance(job, b);
    return job;
  }

  private batch(session: Session, jobId: string, batchId: string): Batch {
    const b = this.job(session, jobId).batches.find((x) => x.id === batchId);
    if (!b) throw new ApiError(400, "InvalidBatch", `Invalid batch id: ${batchId}`);
    return b;
  }

  private async createJob(req: Req, session: Session, version: string): Promise<Res> {
    const text = await req.text();
    const isJson = /json/i.test(String(req.headers["content-type"] ?? ""));
    const spec = isJson
      ? (JSON.parse(text) as Record<string, string>)
      : {
          operation: tag(text, "operation"),
          object: tag(text, "object"),
          externalIdFieldName: tag(text, "externalIdFieldName"),
          contentType: tag(text, "contentType"),
        };
    const operation = spec.operation as Operation;
    if (!["insert", "update", "upsert", "delete", "hardDelete", "query", "queryAll"].includes(operation))
      throw new ApiError(400, "InvalidJob", `Invalid operation: ${spec.operation}`);
    const table = this.ctx.org.table(spec.object ?? "");
    if (!table) throw new ApiError(400, "InvalidJob", `Unable to find object: ${spec.object}`);
    if (operation === "upsert" && !spec.externalIdFieldName) throw new ApiError(400, "InvalidJob", "External ID was blank for Upsert operation");
    const job: Job = {
      id: this.nextId("750"),
      userId: session.user.id,
      operation,
      object: table.def.name,
      externalIdFieldName: spec.externalIdFieldName ?? null,
      contentType: spec.contentType === "JSON" ? "JSON" : "CSV",
      state: "Open",
      createdDate: this.ctx.org.now(),
      apiVersion: version,
      batches: [],
    };
    this.jobs.set(job.id, job);
    return this.jobInfo(job, isJson, 201);
  }

  private async changeState(req: Req, session: Session, id: string): Promise<Res> {
    const job = this.job(session, id);
    const text = await req.text();
    const isJson = /json/i.test(String(req.headers["content-type"] ?? ""));
    const state = isJson ? (JSON.parse(text) as { state?: string }).state : tag(text, "state");
    if (state !== "Closed" && state !== "Aborted") throw new ApiError(400, "InvalidJobState", `Invalid state: ${state}`);
    if (job.state !== "Open") throw new ApiError(400, "InvalidJobState", `Job is already ${job.state}`);
    job.state = state;
    if (state === "Aborted") for (const b of job.batches) if (b.state === "Queued" || b.state === "InProgress") b.state = "NotProcessed";
    return this.jobInfo(job, isJson);
  }

  private jobInfo(job: Job, json = job.contentType === "JSON", status = 200): Res {
    const count = (s: Batch["state"]) => job.batches.filter((b) => b.state === s).length;
    const info = {
      id: job.id,
      operation: job.operation,
      object: job.object,
      createdById: job.userId,
      createdDate: formatDateTimeCsv(job.createdDate),
      systemModstamp: formatDateTimeCsv(job.createdDate),
      state: job.state,
      ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
      concurrencyMode: "Parallel",
      contentType: job.contentType,
      numberBatchesQueued: count("Queued"),
      numberBatchesInProgress: count("InProgress"),
      numberBatchesCompleted: count("Completed"),
      numberBatchesFailed: count("Failed"),
      numberBatchesTotal: job.batches.length,
      numberRecordsProcessed: job.batches.reduce((n, b) => n + b.processed, 0),
      numberRetries: 0,
      apiVersion: job.apiVersion,
      numberRecordsFailed: job.batches.reduce((n, b) => n + b.failed, 0),
      totalProcessingTime: 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
    };
    if (json) return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(info) };
    return xml(
      status,
      `<jobInfo xmlns="${NS}">${Object.entries(info)
        .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
        .join("")}</jobInfo>`,
    );
  }

  private batchFields(job: Job, b: Batch) {
    return {
      id: b.id,
      jobId: job.id,
      state: b.state,
      ...(b.stateMessage ? { stateMessage: b.stateMessage } : {}),
      createdDate: formatDateTimeCsv(b.createdDate),
      systemModstamp: formatDateTimeCsv(b.createdDate),
      numberRecordsProcessed: b.processed,
      numberRecordsFailed: b.failed,
      totalProcessingTime: 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
    };
  }

  private batchInfo(job: Job, b: Batch, status = 200): Res {
    const info = this.batchFields(job, b);
    if (job.contentType === "JSON") return { status, headers: { "Content-Type": "application/json" }, body: JSON.stringify(info) };
    return xml(
      status,
      `<batchInfo xmlns="${NS}">${Object.entries(info)
        .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
        .join("")}</batchInfo>`,
    );
  }

  private batchList(job: Job): Res {
    if (job.contentType === "JSON")
      return {
        status: 200,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ batchInfo: job.batches.map((b) => this.batchFields(job, b)) }),
      };
    return xml(
      200,
      `<batchInfoList xmlns="${NS}">${job.batches
        .map(
          (b) =>
            `<batchInfo>${Object.entries(this.batchFields(job, b))
              .map(([k, v]) => `<${k}>${xmlEscape(String(v))}</${k}>`)
              .join("")}</batchInfo>`,
        )
        .join("")}</batchInfoList>`,
    );
  }

  private async addBatch(req: Req, session: Session, id: string): Promise<Res> {
    const job = this.job(session, id);
    if (job.state !== "Open") throw new ApiError(400, "InvalidJobState", `Job is not open: ${job.state}`);
    const d = this.ctx.config.bulkJobDurationMs;
    const now = Date.now();
    const b: Batch = {
      id: this.nextId("751"),
      state: "Queued",
      createdDate: this.ctx.org.now(),
      startAt: now + Math.floor(d / 3),
      doneAt: now + d,
      input: await req.text(),
      processed: 0,
      failed: 0,
      results: [],
      resultIds: [],
    };
    job.batches.push(b);
    return this.batchInfo(job, b, 201);
  }

  /** Batches run on the clock: Queued, then InProgress, then processed in one go. */
  private advance(job: Job, b: Batch): void {
    const now = Date.now();
    if (b.state === "Queued" && now >= b.startAt) b.state = "InProgress";
    if (b.state !== "InProgress" || now < b.doneAt) return;
    if (this.ctx.faults.failsJob(job.operation.startsWith("query") ? "bulk-query" : "bulk-ingest")) {
      b.state = "Failed";
      b.stateMessage = "InternalServerError : The batch failed; the emulator injected a job failure";
      return;
    }
    const user = this.ctx.org.userById(job.userId)!;
    if (job.operation === "query" || job.operation === "queryAll") this.runQueryBatch(job, b, user);
    else this.runIngestBatch(job, b, user);
  }

  private runQueryBatch(job: Job, b: Batch, user: OrgUser): void {
    try {
      const plan = compileQuery(b.input, { org: this.ctx.org, user, bulk: true });
      const { rows } = runQuery(this.ctx.org, plan, { allRows: job.operation === "queryAll" });
      b.plan = plan;
      b.rows = rows;
      const chunk = this.ctx.config.bulkPageSize;
      for (let k = 0; k === 0 || k < rows.length; k += chunk) b.resultIds.push(this.nextId("752"));
      b.processed = rows.length;
      b.state = "Completed";
    } catch (e) {
      b.state = "Failed";
      b.stateMessage = `InvalidBatch : ${(e as Error).message}`;
    }
  }

  private runIngestBatch(job: Job, b: Batch, user: OrgUser): void {
    let records: Record<string, unknown>[];
    try {
      if (job.contentType === "JSON") records = JSON.parse(b.input) as Record<string, unknown>[];
      else records = b.input.trim() ? (parseCsv(b.input, { columns: true, bom: true }) as Record<string, unknown>[]) : [];
    } catch (e) {
      b.state = "Failed";
      b.stateMessage = `InvalidBatch : Failed to parse the batch: ${(e as Error).message}`;
      return;
    }
    const def = this.ctx.org.requireTable(job.object).def;
    for (const key of new Set(records.flatMap((r) => Object.keys(r)))) {
      if (key !== "attributes" && !this.ctx.org.visibleField(user, def, key)) {
        b.state = "Failed";
        b.stateMessage = `InvalidBatch : Field name not found : ${key}`;
        return;
      }
    }
    const source = job.contentType === "JSON" ? "json" : "csv";
    for (const input of records) {
      const { attributes: _a, ...record } = input;
      const idKey = Object.keys(record).find((k) => k.toLowerCase() === "id");
      const id = idKey ? String(record[idKey] ?? "") : "";
      const fields = Object.fromEntries(Object.entries(record).filter(([k]) => k !== idKey || job.operation === "upsert"));
      const tx = new Tx(this.ctx.org);
      try {
        let out: { id: string; created: boolean };
        switch (job.operation) {
          case "insert":
            out = { id: createRecord(tx, user, job.object, fields, source), created: true };
            break;
          case "update":
            out = { id: updateRecord(tx, user, job.object, id, fields, source), created: false };
            break;
          case "delete":
          case "hardDelete":
            out = { id: deleteRecord(tx, user, id, job.object, job.operation === "hardDelete"), created: false };
            break;
          default: {
            const r = upsertRecord(tx, user, job.object, job.externalIdFieldName!, undefined, fields, source);
            if ("multiple" in r)
              throw new WriteFailure(
                "DUPLICATE_EXTERNAL_ID",
                `${job.externalIdFieldName}: more than one record found for external id field: ${r.multiple.join(", ")}`,
                [job.externalIdFieldName!],
              );
            out = r;
          }
        }
        b.results.push({ id: out.id, success: true, created: out.created, error: "" });
      } catch (e) {
        if (!(e instanceof WriteFailure)) throw e;
        tx.rollback();
        b.failed++;
        b.results.push({ id: "", success: false, created: false, error: `${e.statusCode}:${e.message}:${e.fields.join(",")} --` });
      }
      b.processed++;
    }
    b.state = "Completed";
  }

  private batchResult(job: Job, b: Batch): Res {
    if (b.state !== "Completed" && !(b.state === "Failed" && b.processed > 0)) throw new ApiError(400, "InvalidBatch", `Batch not completed: ${b.state}`);
    if (job.operation === "query" || job.operation === "queryAll") {
      if (job.contentType === "JSON") return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(b.resultIds) };
      return xml(200, `<result-list xmlns="${NS}">${b.resultIds.map((r) => `<result>${r}</result>`).join("")}</result-list>`);
    }
    if (job.contentType === "JSON") {
      return {
        status: 200,
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(b.results.map((r) => ({ success: r.success, created: r.created, id: r.id || null, errors: r.error ? [r.error] : [] }))),
      };
    }
    const body = csvLine(["Id", "Success", "Created", "Error"]) + b.results.map((r) => csvLine([r.id, String(r.success), String(r.created), r.error])).join("");
    return { status: 200, headers: { "Content-Type": "text/csv" }, body, records: b.results.length };
  }

  private queryResult(job: Job, b: Batch, resultId: string): Res {
    const k = b.resultIds.indexOf(resultId);
    if (k < 0 || !b.plan || !b.rows) throw new ApiError(400, "InvalidBatch", `Invalid result id: ${resultId}`);
    const chunk = this.ctx.config.bulkPageSize;
    const start = k * chunk;
    const end = Math.min(b.rows.length, start + chunk);
    if (job.contentType === "JSON") {
      const rows = b.rows.slice(start, end).map((ref) => Object.fromEntries(b.plan!.columns.map((c) => [c.path, c.read(ref)])));
      return { status: 200, headers: { "Content-Type": "application/json" }, body: JSON.stringify(rows), records: rows.length };
    }
    return { status: 200, headers: { "Content-Type": "text/csv" }, body: csvPage(b.plan.columns, b.rows, start, end, ",", "\n"), records: end - start };
  }
}
