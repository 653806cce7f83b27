import { parse as parseCsv } from "csv-parse/sync";
import { ApiError, notFound } from "../errors";
import { KEY_PREFIX, makeId } from "../ids";
import { formatDateTime } from "../time";
import { WriteFailure } from "../data/org";
import type { RowRef } from "../data/table";
import { createRecord, deleteRecord, findByExternalId, Tx, updateRecord, upsertRecord } from "../data/writes";
import { Schema } from "../schema";
import type { OrgUser } from "../data/org";
import { compileQuery, type QueryPlan } from "../soql/compile";
import { runQuery } from "../soql/execute";
import type { EmulatorContext } from "./context";
import { json, noContent, type Req, type Res } from "./http";
import { csvLine, csvPageChunks } from "./serialize";
import type { RestCall, RestRoute } from "./rest";

const DELIMITERS: Record<string, string> = { COMMA: ",", TAB: "\t", PIPE: "|", SEMICOLON: ";", CARET: "^", BACKQUOTE: "`" };
const LINE_ENDINGS: Record<string, string> = { LF: "\n", CRLF: "\r\n" };

type QueryState = "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";
type IngestState = "Open" | "UploadComplete" | "InProgress" | "JobComplete" | "Failed" | "Aborted";

interface JobBase {
  id: string;
  /** Wall-clock ms of the last request about this job; idle finished jobs are dropped to bound memory. */
  lastAccess: number;
  object: string;
  createdById: string;
  createdDate: number;
  systemModstamp: number;
  apiVersion: number;
  columnDelimiter: string;
  lineEnding: string;
  /** Wall-clock ms when processing may start and finish: models the queue and the work. */
  startAt: number;
  doneAt: number;
}

interface QueryJob extends JobBase {
  kind: "query";
  operation: "query" | "queryAll";
  query: string;
  state: QueryState;
  plan: QueryPlan;
  userId: string;
  rows?: RowRef[];
  errorMessage?: string;
}

interface IngestJob extends JobBase {
  kind: "ingest";
  operation: "insert" | "update" | "upsert" | "delete" | "hardDelete";
  externalIdFieldName: string | null;
  state: IngestState;
  userId: string;
  uploads: string[];
  successful: string[];
  failed: string[];
  unprocessed: string[];
  header: string[];
  processed: number;
  failedCount: number;
  errorMessage: string | null;
}

/** The fields every Bulk API 2.0 job info starts with, query or ingest, in Salesforce's order. */
function jobHeader(job: QueryJob | IngestJob) {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
  };
}

const JOB_IDLE_MS = 60 * 60_000;

const encodeLocator = (offset: number) => Buffer.from(String(offset)).toString("base64").replace(/=+$/, "");
const decodeLocator = (loc: string) => {
  const n = Number(Buffer.from(loc, "base64").toString("utf8"));
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

export class BulkJobs {
  readonly jobs = new Map<string, QueryJob | IngestJob>();
  private seq = 0;

  constructor(private readonly ctx: EmulatorContext) {}

  clear(): void {
    this.jobs.clear();
  }

  private nextId(): string {
    return makeId(KEY_PREFIX.BulkJob, ++this.seq);
  }

  /** Advances a job's state machine from the wall clock; query rows are computed at completion. */
  private advance(job: QueryJob | IngestJob): void {
    const now = Date.now();
    if (job.state === "UploadComplete" && now >= job.startAt) job.state = "InProgress";
    if (job.state !== "InProgress" || now < job.doneAt) return;
    if (this.ctx.faults.failsJob(job.kind === "query" ? "bulk-query" : "bulk-ingest")) {
      job.state = "Failed";
      job.errorMessage = "InternalServerError : Job failed to process. Retried more than 15 times.";
      if (job.kind === "ingest") job.unprocessed = job.uploads.slice();
      job.systemModstamp = this.ctx.org.now();
      return;
    }
    if (job.kind === "query") {
      const { rows } = runQuery(this.ctx.org, job.plan, { allRows: job.operation === "queryAll" });
      job.rows = job.plan.isCount ? [] : rows;
      job.state = "JobComplete";
    } else {
      this.processIngest(job);
    }
    job.systemModstamp = this.ctx.org.now();
  }

  private timing(): { startAt: number; doneAt: number } {
    const d = this.ctx.config.bulkJobDurationMs;
    const now = Date.now();
    return { startAt: now + Math.floor(d / 3), doneAt: now + d };
  }

  private find(id: string, kind: "query" | "ingest", userId: string) {
    this.sweep();
    const job = this.jobs.get(id);
    if (!job || job.kind !== kind || job.userId !== userId) throw notFound();
    job.lastAccess = Date.now();
    this.advance(job);
    return job;
  }

  /** Real orgs keep jobs for 7 days; the emulator drops finished jobs after an idle hour so long demos stay small. */
  private sweep(): void {
    const limit = Date.now() - JOB_IDLE_MS;
    for (const [id, job] of this.jobs) {
      const finished = job.state === "JobComplete" || job.state === "Failed" || job.state === "Aborted";
      if (finished && job.lastAccess < limit) this.jobs.delete(id);
    }
  }

  private queryInfo(job: QueryJob) {
    const done = job.state === "JobComplete";
    return {
      ...jobHeader(job),
      concurrencyMode: "Parallel",
      contentType: "CSV",
      apiVersion: job.apiVersion,
      jobType: "V2Query",
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: done ? (job.rows?.length ?? 0) : 0,
      retries: 0,
      totalProcessingTime: done ? Math.max(1, job.doneAt - job.startAt) : 0,
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
    };
  }

  private ingestInfo(job: IngestJob, version: string) {
    return {
      ...jobHeader(job),
      externalIdFieldName: job.externalIdFieldName,
      concurrencyMode: "Parallel",
      contentType: "CSV",
      apiVersion: job.apiVersion,
      jobType: "V2Ingest",
      contentUrl: `services/data/v${version}/jobs/ingest/${job.id}/batches`,
      lineEnding: job.lineEnding,
      columnDelimiter: job.columnDelimiter,
      numberRecordsProcessed: job.processed,
      numberRecordsFailed: job.failedCount,
      retries: 0,
      totalProcessingTime: job.state === "JobComplete" ? Math.max(1, job.doneAt - job.startAt) : 0,
      apiActiveProcessingTime: 0,
      apexProcessingTime: 0,
      errorMessage: job.errorMessage,
    };
  }

  private options(body: Record<string, unknown>) {
    const columnDelimiter = String(body.columnDelimiter ?? "COMMA");
    const lineEnding = String(body.lineEnding ?? "LF");
    if (!DELIMITERS[columnDelimiter]) throw new ApiError(400, "INVALIDJOB", `Invalid column delimiter: ${columnDelimiter}`);
    if (!LINE_ENDINGS[lineEnding]) throw new ApiError(400, "INVALIDJOB", `Invalid line ending: ${lineEnding}`);
    return { columnDelimiter, lineEnding };
  }

  async createQuery(call: RestCall): Promise<Res> {
    const body = (await call.req.json()) as Record<string, unknown>;
    const operation = String(body.operation ?? "query");
    if (operation !== "query" && operation !== "queryAll") throw new ApiError(400, "INVALIDJOB", `Invalid operation: ${operation}`);
    if (typeof body.query !== "string") throw new ApiError(400, "INVALIDJOB", "query is required");
    const plan = compileQuery(body.query, { org: this.ctx.org, user: call.session.user, bulk: true });
    if (plan.isCount) throw new ApiError(400, "INVALIDJOB", "Aggregate Relationships not supported in Bulk Query with CSV content type");
    const now = this.ctx.org.now();
    const job: QueryJob = {
      kind: "query",
      id: this.nextId(),
      lastAccess: Date.now(),
      operation,
      object: plan.table.def.name,
      query: body.query,
      state: "UploadComplete",
      plan,
      createdById: call.session.user.id,
      userId: call.session.user.id,
      createdDate: now,
      systemModstamp: now,
      apiVersion: Number(call.version),
      ...this.options(body),
      ...this.timing(),
    };
    this.jobs.set(job.id, job);
    return json(200, this.queryInfo(job));
  }

  getQuery(call: RestCall, id: string): Res {
    return json(200, this.queryInfo(this.find(id, "query", call.session.user.id) as QueryJob));
  }

  results(call: RestCall, id: string): Res {
    const job = this.find(id, "query", call.session.user.id) as QueryJob;
    if (job.state !== "JobComplete" || !job.rows) {
      throw new ApiError(
        job.state === "Aborted" || job.state === "Failed" ? 400 : 412,
        job.state === "Aborted" || job.state === "Failed" ? "INVALIDJOBSTATE" : "JOB_NOT_COMPLETE",
        `Results are not available: the job's state is ${job.state}`,
      );
    }
    if (Number(call.version) !== job.apiVersion)
      throw new ApiError(
        409,
        "API_VERSION_MISMATCH",
        `The job was created with API version ${job.apiVersion.toFixed(1)}; use the same version to get its results`,
      );
    const params = call.req.url.searchParams;
    const locator = params.get("locator");
    const offset = locator ? decodeLocator(locator) : 0;
    if (offset === undefined || offset > job.rows.length) throw new ApiError(400, "INVALIDLOCATOR", `Invalid locator: ${locator}`);
    const maxRaw = params.get("maxRecords");
    const max = maxRaw === null ? this.ctx.config.bulkPageSize : Number(maxRaw);
    if (!Number.isInteger(max) || max < 1) throw new ApiError(400, "INVALIDREQUEST", `Invalid maxRecords: ${maxRaw}`);
    const end = Math.min(job.rows.length, offset + Math.min(max, this.ctx.config.bulkPageLimit));
    const stream = csvPageChunks(job.plan.columns, job.rows, offset, end, DELIMITERS[job.columnDelimiter]!, LINE_ENDINGS[job.lineEnding]!);
    return {
      status: 200,
      headers: {
        "Content-Type": "text/csv",
        "Sforce-NumberOfRecords": String(end - offset),
        "Sforce-Locator": end < job.rows.length ? encodeLocator(end) : "null",
      },
      stream,
      records: end - offset,
    };
  }

  async patchJob(call: RestCall, id: string, kind: "query" | "ingest"): Promise<Res> {
    const job = this.find(id, kind, call.session.user.id);
    const body = (await call.req.json()) as Record<string, unknown>;
    const state = String(body.state);
    if (state === "Aborted") {
      if (job.state === "JobComplete" || job.state === "Failed" || job.state === "Aborted")
        throw new ApiError(400, "INVALIDJOBSTATE", `Cannot abort a job in state ${job.state}`);
      job.state = "Aborted";
      if (job.kind === "ingest") job.unprocessed = job.uploads.slice();
    } else if (state === "UploadComplete" && job.kind === "ingest") {
      if (job.state !== "Open") throw new ApiError(400, "INVALIDJOBSTATE", `Cannot close a job in state ${job.state}`);
      job.state = "UploadComplete";
      Object.assign(job, this.timing());
    } else {
      throw new ApiError(400, "INVALIDJOBSTATE", `Invalid state transition to ${state}`);
    }
    job.systemModstamp = this.ctx.org.now();
    return json(200, job.kind === "query" ? this.queryInfo(job) : this.ingestInfo(job, call.version));
  }

  deleteJob(call: RestCall, id: string, kind: "query" | "ingest"): Res {
    const job = this.find(id, kind, call.session.user.id);
    if (job.state === "UploadComplete" || job.state === "InProgress") throw new ApiError(400, "INVALIDJOBSTATE", `Cannot delete a job in state ${job.state}`);
    this.jobs.delete(id);
    return noContent();
  }

  list(call: RestCall, kind: "query" | "ingest"): Res {
    const records = [...this.jobs.values()]
      .filter((j) => j.kind === kind && j.userId === call.session.user.id)
      .map((j) => {
        this.advance(j);
        return j.kind === "query" ? this.queryInfo(j) : this.ingestInfo(j, call.version);
      });
    return json(200, { done: true, records, nextRecordsUrl: null });
  }

  async createIngest(call: RestCall): Promise<Res> {
    const body = (await call.req.json()) as Record<string, unknown>;
    const operation = String(body.operation ?? "");
    if (!["insert", "update", "upsert", "delete", "hardDelete"].includes(operation))
      throw new ApiError(400, "INVALIDJOB", `InvalidJob : Invalid operation: ${operation}`);
    const table = this.ctx.org.table(String(body.object ?? ""));
    if (!table) throw new ApiError(400, "INVALIDJOB", `InvalidJob : Invalid object: ${String(body.object)}`);
    if (operation === "upsert" && !body.externalIdFieldName) throw new ApiError(400, "INVALIDJOB", "InvalidJob : External ID was blank for Upsert operation");
    const now = this.ctx.org.now();
    const job: IngestJob = {
      kind: "ingest",
      id: this.nextId(),
      lastAccess: Date.now(),
      operation: operation as IngestJob["operation"],
      object: table.def.name,
      externalIdFieldName: body.externalIdFieldName ? String(body.externalIdFieldName) : null,
      state: "Open",
      createdById: call.session.user.id,
      userId: call.session.user.id,
      createdDate: now,
      systemModstamp: now,
      apiVersion: Number(call.version),
      ...this.options(body),
      startAt: Infinity,
      doneAt: Infinity,
      uploads: [],
      successful: [],
      failed: [],
      unprocessed: [],
      header: [],
      processed: 0,
      failedCount: 0,
      errorMessage: null,
    };
    this.jobs.set(job.id, job);
    return json(200, this.ingestInfo(job, call.version));
  }

  getIngest(call: RestCall, id: string): Res {
    return json(200, this.ingestInfo(this.find(id, "ingest", call.session.user.id) as IngestJob, call.version));
  }

  async upload(call: RestCall, id: string): Promise<Res> {
    const job = this.find(id, "ingest", call.session.user.id) as IngestJob;
    if (job.state !== "Open") throw new ApiError(409, "INVALIDJOBSTATE", `Upload is only allowed while the job is Open; it is ${job.state}`);
    if (job.uploads.length) throw new ApiError(400, "INVALIDREQUEST", "Data for this job has already been uploaded");
    job.uploads.push(await call.req.text());
    return { status: 201 };
  }

  private processIngest(job: IngestJob): void {
    const delimiter = DELIMITERS[job.columnDelimiter]!;
    const text = job.uploads.join("");
    let rows: string[][];
    try {
      rows = text.trim()
        ? (parseCsv(text, { delimiter, relax_column_count: false, bom: true, record_delimiter: LINE_ENDINGS[job.lineEnding] }) as string[][])
        : [];
    } catch (e) {
      job.state = "Failed";
      job.errorMessage = `InvalidBatch : Failed to parse CSV: ${(e as Error).message}`;
      return;
    }
    const [header = [], ...data] = rows;
    job.header = header;
    const user = this.ctx.org.userById(job.userId)!;
    const columns = this.resolveColumns(job, user, header);
    if (typeof columns === "string") {
      job.state = "Failed";
      job.errorMessage = columns;
      job.unprocessed = job.uploads.slice();
      return;
    }
    const idCol = header.findIndex((h) => h.toLowerCase() === "id");
    // An upsert matched on Id needs the Id value in the record it hands to the upsert.
    const keepsId = job.operation === "insert" || (job.operation === "upsert" && job.externalIdFieldName?.toLowerCase() === "id");
    const lines = (values: string[]) => csvLine(values, delimiter, LINE_ENDINGS[job.lineEnding]!);
    for (const values of data) {
      const tx = new Tx(this.ctx.org);
      try {
        const record: Record<string, unknown> = {};
        header.forEach((h, k) => {
          if (h.toLowerCase() === "id" && !keepsId) return;
          const column = columns[k]!;
          record[column.field] = column.lookup ? column.lookup(values[k] ?? "") : (values[k] ?? "");
        });
        let id: string;
        let created = false;
        switch (job.operation) {
          case "insert":
            id = createRecord(tx, user, job.object, record, "csv");
            created = true;
            break;
          case "update":
            id = updateRecord(tx, user, job.object, values[idCol] ?? "", record, "csv");
            break;
          case "upsert": {
            const out = upsertRecord(tx, user, job.object, job.externalIdFieldName!, undefined, record, "csv");
            if ("multiple" in out)
              throw new WriteFailure(
                "DUPLICATE_EXTERNAL_ID",
                `${job.externalIdFieldName}: more than one record found for external id field: ${out.multiple.join(", ")}`,
                [job.externalIdFieldName!],
              );
            id = out.id;
            created = out.created;
            break;
          }
          case "delete":
          case "hardDelete":
            id = deleteRecord(tx, user, values[idCol] ?? "", job.object, job.operation === "hardDelete");
            break;
        }
        job.successful.push(lines([id, String(created), ...values]));
      } catch (e) {
        if (!(e instanceof WriteFailure)) throw e;
        tx.rollback();
        job.failedCount++;
        job.failed.push(lines(["", `${e.statusCode}:${e.message}:${e.fields.join(",")} --`, ...values]));
      }
      job.processed++;
    }
    job.state = "JobComplete";
  }

  /**
   * Each header column as the field it writes: a plain field, or `Relationship.ExternalIdField`
   * resolved to the parent's id. An unknown column fails the whole job, as Salesforce does.
   */
  private resolveColumns(job: IngestJob, user: OrgUser, header: string[]): { field: string; lookup?: (v: string) => string | null }[] | string {
    const org = this.ctx.org;
    const def = org.requireTable(job.object).def;
    const out: { field: string; lookup?: (v: string) => string | null }[] = [];
    for (const h of header) {
      const dot = h.indexOf(".");
      if (dot < 0) {
        const f = org.visibleField(user, def, h);
        if (!f) return `InvalidBatch : Field name not found : ${h}`;
        out.push({ field: f.name });
        continue;
      }
      const fk = Schema.relationship(def, h.slice(0, dot));
      const target = fk && fk.referenceTo.map((t) => org.table(t)).find((t) => t !== undefined);
      const key = target && org.visibleField(user, target.def, h.slice(dot + 1));
      if (!fk || !target || !key || !(key.externalId || key.type === "id" || key.name === "Username")) return `InvalidBatch : Field name not found : ${h}`;
      out.push({
        field: fk.name,
        lookup: (v) => {
          if (v === "" || v === "#N/A") return null;
          const hits = key.type === "id" ? [v] : findByExternalId(target, key, v).map((ref) => String(target.read(ref, "Id")));
          if (hits.length !== 1)
            throw new WriteFailure("INVALID_FIELD", `Foreign key external ID: ${v} not found for field ${key.name} in entity ${target.def.name}`, [fk.name]);
          return hits[0]!;
        },
      });
    }
    return out;
  }

  ingestResults(call: RestCall, id: string, which: "successfulResults" | "failedResults" | "unprocessedrecords"): Res {
    const job = this.find(id, "ingest", call.session.user.id) as IngestJob;
    const delimiter = DELIMITERS[job.columnDelimiter]!;
    const eol = LINE_ENDINGS[job.lineEnding]!;
    if (which === "unprocessedrecords") {
      return { status: 200, headers: { "Content-Type": "text/csv" }, body: job.unprocessed.join("") };
    }
    if (job.state !== "JobComplete" && job.state !== "Failed" && job.state !== "Aborted") {
      throw new ApiError(400, "INVALIDJOBSTATE", `Results are not available: the job's state is ${job.state}`);
    }
    const extra = which === "successfulResults" ? ["sf__Id", "sf__Created"] : ["sf__Id", "sf__Error"];
    const rows = which === "successfulResults" ? job.successful : job.failed;
    const body = job.header.length ? csvLine([...extra, ...job.header], delimiter, eol) + rows.join("") : "";
    return { status: 200, headers: { "Content-Type": "text/csv" }, body, records: rows.length };
  }
}

export function bulkRoutes(bulk: BulkJobs): RestRoute[] {
  const J = "/jobs/(query|ingest)/(750\\w{15})";
  return [
    { method: "POST", pattern: /^\/jobs\/query\/?$/, endpoint: "bulk-query", handler: (c) => bulk.createQuery(c) },
    { method: "GET", pattern: /^\/jobs\/query\/?$/, endpoint: "bulk-query", handler: (c) => bulk.list(c, "query") },
    { method: "GET", pattern: /^\/jobs\/query\/(750\w{15})\/results\/?$/, endpoint: "bulk-query", handler: (c, [id]) => bulk.results(c, id!) },
    { method: "GET", pattern: /^\/jobs\/query\/(750\w{15})\/?$/, endpoint: "bulk-query", handler: (c, [id]) => bulk.getQuery(c, id!) },
    { method: "POST", pattern: /^\/jobs\/ingest\/?$/, endpoint: "bulk-ingest", handler: (c) => bulk.createIngest(c) },
    { method: "GET", pattern: /^\/jobs\/ingest\/?$/, endpoint: "bulk-ingest", handler: (c) => bulk.list(c, "ingest") },
    { method: "PUT", pattern: /^\/jobs\/ingest\/(750\w{15})\/batches\/?$/, endpoint: "bulk-ingest", handler: (c, [id]) => bulk.upload(c, id!) },
    {
      method: "GET",
      pattern: /^\/jobs\/ingest\/(750\w{15})\/(successfulResults|failedResults|unprocessedrecords)\/?$/,
      endpoint: "bulk-ingest",
      handler: (c, [id, which]) => bulk.ingestResults(c, id!, which as "successfulResults"),
    },
    { method: "GET", pattern: /^\/jobs\/ingest\/(750\w{15})\/?$/, endpoint: "bulk-ingest", handler: (c, [id]) => bulk.getIngest(c, id!) },
    { method: "PATCH", pattern: new RegExp(`^${J}/?$`), endpoint: "bulk-query", handler: (c, [kind, id]) => bulk.patchJob(c, id!, kind as "query") },
    { method: "DELETE", pattern: new RegExp(`^${J}/?$`), endpoint: "bulk-query", handler: (c, [kind, id]) => bulk.deleteJob(c, id!, kind as "query") },
  ];
}

export type { Req };
