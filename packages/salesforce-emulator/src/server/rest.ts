import { ApiError, notFound } from "../errors";
import { canonicalId } from "../ids";
import { DAY, formatDateTime, parseDateTime } from "../time";
import { WriteFailure, type Org, type OrgUser } from "../data/org";
import type { RowRef, SObjectTable } from "../data/table";
import { createRecord, deleteRecord, findByExternalId, Tx, updateRecord, upsertRecord, type UpsertOutcome } from "../data/writes";
import type { EmulatorContext } from "./context";
import { describeGlobal, describeSObject } from "./describe";
import type { EndpointClass } from "./faults";
import { json, noContent, type Req, type Res } from "./http";
import { queryMore, runRestQuery, type QueryCursors } from "./query";
import { jsonValue } from "./serialize";
import { runSearch } from "./search";
import type { Session } from "./sessions";

export interface RestCall {
  req: Req;
  session: Session;
  version: string;
  /** Injected UNABLE_TO_LOCK_ROW: collections report it per record, as Salesforce does. */
  lockRows?: boolean;
}

type RestHandler = (call: RestCall, params: string[]) => Promise<Res> | Res;

export interface RestRoute {
  method: string;
  pattern: RegExp;
  handler: RestHandler;
  endpoint: EndpointClass;
}

const failureToApi = (e: WriteFailure, status = 400) => new ApiError(status, e.statusCode, e.message, e.fields);

function itemError(e: unknown) {
  if (e instanceof WriteFailure) return { statusCode: e.statusCode, message: e.message, fields: e.fields };
  if (e instanceof ApiError) return { statusCode: e.errorCode, message: e.message, fields: e.fields ?? [] };
  throw e;
}

function requireTable(org: Org, name: string): SObjectTable {
  const t = org.table(name);
  if (!t) throw new ApiError(404, "NOT_FOUND", "The requested resource does not exist");
  return t;
}

function recordJson(org: Org, user: OrgUser, table: SObjectTable, ref: RowRef, version: string, fieldNames?: string[]) {
  const def = table.def;
  const fields = fieldNames
    ? fieldNames.map((n) => {
        const f = org.visibleField(user, def, n);
        if (!f)
          throw new ApiError(
            400,
            "INVALID_FIELD",
            `No such column '${n}' on entity '${def.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
          );
        return f;
      })
    : org.visibleFields(user, def);
  const id = String(table.read(ref, "Id"));
  const out: Record<string, unknown> = { attributes: { type: def.name, url: `/services/data/v${version}/sobjects/${def.name}/${id}` } };
  for (const f of fields) out[f.name] = jsonValue(f, table.read(ref, f.name));
  return out;
}

function asRecord(v: unknown): Record<string, unknown> {
  if (!v || typeof v !== "object" || Array.isArray(v))
    throw new ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of SObject from non-object value");
  return v as Record<string, unknown>;
}

const collectionsNeed = (version: string, min: number) => {
  if (Number(version) < min) throw notFound();
};

const ROLLED_BACK = {
  statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
  message: "Record rolled back because not all records were valid and the request was using AllOrNone header",
  fields: [] as string[],
};

/** Runs one collection item per entry; with allOrNone a single failure rolls every item back. */
function runBatch<T>(org: Org, allOrNone: boolean, items: T[], op: (tx: Tx, item: T) => { id: string; created?: boolean }, lockRows = false) {
  const tx = new Tx(org);
  const results = items.map((item) => {
    try {
      if (lockRows) throw new WriteFailure("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records");
      const r = op(tx, item);
      return { id: r.id, success: true, errors: [] as unknown[], ...(r.created !== undefined ? { created: r.created } : {}) };
    } catch (e) {
      const created = e instanceof WriteFailure ? e.created : undefined;
      return { success: false, errors: [itemError(e)] as unknown[], failed: true as const, ...(created !== undefined ? { created } : {}) };
    }
  });
  const anyFailed = results.some((r) => !r.success);
  if (allOrNone && anyFailed) {
    tx.rollback();
    return results.map((r) => ({ id: null, success: false, errors: r.success ? [ROLLED_BACK] : r.errors, ...("created" in r ? { created: r.created } : {}) }));
  }
  return results.map((r) => ("failed" in r ? { success: false, errors: r.errors, ...("created" in r ? { created: r.created } : {}) } : r));
}

function checkCollectionSize(n: number, max = 200) {
  if (n > max) throw new ApiError(400, "EXCEEDED_ID_LIMIT", `record limit reached. cannot submit more than ${max} records into this call`);
}

/**
 * An sObject Collections write (create, update, upsert): the body's records, each written by
 * `write` with its own result (or all or none, as the body asks), at most 200 of them.
 */
async function collectionWrite(
  org: Org,
  c: RestCall,
  minVersion: number,
  write: (tx: Tx, record: Record<string, unknown>) => { id: string; created?: boolean },
) {
  collectionsNeed(c.version, minVersion);
  const body = asRecord(await c.req.json());
  const records = Array.isArray(body.records) ? (body.records as unknown[]) : [];
  checkCollectionSize(records.length);
  return json(
    200,
    runBatch(org, body.allOrNone === true, records, (tx, r) => write(tx, asRecord(r)), c.lockRows),
  );
}

/**
 * The window rules of sObject Get Updated / Get Deleted (see the README for the sources): seconds
 * are dropped from start and end, start must come at least a minute before end, start may reach back
 * 30 (updated) or 15 (deleted) days before the *day* of the call, records with start <= stamp < end
 * are returned (a future end includes the still-open minute), and latestDateCovered is end or the
 * start of the current minute, whichever is earlier, so the next window starting there misses nothing.
 */
function replicationWindow(org: Org, req: Req, maxDays: number): { start: number; end: number; latest: number } {
  const s = req.url.searchParams.get("start");
  const e = req.url.searchParams.get("end");
  if (!s || !e) throw new ApiError(400, "MISSING_ARGUMENT", `Both start and end must be specified`);
  const start = parseDateTime(s);
  const end = parseDateTime(e);
  if (start === undefined || end === undefined) throw new ApiError(400, "INVALID_REPLICATION_DATE", `Invalid date format: ${start === undefined ? s : e}`);
  const startMin = Math.floor(start / 60) * 60;
  const endMin = Math.floor(end / 60) * 60;
  if (endMin - startMin < 60) throw new ApiError(400, "INVALID_REPLICATION_DATE", "startDate must be at least one minute greater than endDate");
  const now = org.now();
  if (startMin < Math.floor(now / DAY) * DAY - maxDays * DAY) {
    throw new ApiError(400, "INVALID_REPLICATION_DATE", `startDate cannot be more than ${maxDays} days before the day of the call`);
  }
  const latest = Math.min(endMin, Math.floor(now / 60) * 60);
  return { start: startMin, end: endMin, latest };
}

function getUpdated(org: Org, call: RestCall, name: string): Res {
  const table = requireTable(org, name);
  const { start, end, latest } = replicationWindow(org, call.req, 30);
  const ids: string[] = [];
  const [lo] = table.generatedRange("SystemModstamp", ">=", start);
  const [, hi] = table.generatedRange("SystemModstamp", "<", end);
  const idOf = table.reader("Id");
  for (let i = lo; i < hi; i++) if (!table.isOverlaid(i)) ids.push(idOf(i) as string);
  for (const rec of table.overlay.values()) {
    const t = rec.v.SystemModstamp as number;
    if (!rec.purged && rec.v.IsDeleted !== true && t >= start && t < end) ids.push(rec.v.Id as string);
  }
  if (ids.length > 600_000) throw new ApiError(400, "EXCEEDED_ID_LIMIT", "The operation produced too many results: more than 600,000 ids");
  ids.sort();
  return json(200, { ids, latestDateCovered: formatDateTime(latest) });
}

function getDeleted(org: Org, call: RestCall, name: string): Res {
  const table = requireTable(org, name);
  const { start, end, latest } = replicationWindow(org, call.req, 15);
  const deletedRecords: { id: string; deletedDate: string }[] = [];
  let earliest = org.lastPurgeAt;
  for (const rec of table.overlay.values()) {
    if (rec.v.IsDeleted !== true) continue;
    const t = rec.v.SystemModstamp as number;
    if (org.isPurged(rec)) {
      earliest = Math.max(earliest, t);
      continue;
    }
    if (t >= start && t < end) deletedRecords.push({ id: rec.v.Id as string, deletedDate: formatDateTime(t) });
  }
  deletedRecords.sort((a, b) => (a.deletedDate < b.deletedDate ? -1 : a.deletedDate > b.deletedDate ? 1 : a.id < b.id ? -1 : 1));
  return json(200, { deletedRecords, earliestDateAvailable: formatDateTime(earliest), latestDateCovered: formatDateTime(latest) });
}

export function limitsJson(org: Org) {
  const lim = (max: number, used = 0) => ({ Max: max, Remaining: Math.max(0, max - used) });
  let storageRecords = 0;
  for (const t of org.tables.values()) storageRecords += t.generatedCount + t.overlay.size;
  const dataMb = Math.ceil((storageRecords * 2) / 1024);
  return {
    ActiveScratchOrgs: lim(3),
    AnalyticsExternalDataSizeMB: lim(40960),
    ConcurrentAsyncGetReportInstances: lim(200),
    ConcurrentSyncReportRuns: lim(20),
    DailyAnalyticsDataflowJobExecutions: lim(60),
    DailyApiRequests: lim(org.dailyApiLimit, org.apiUsage),
    DailyAsyncApexExecutions: lim(250000),
    DailyBulkApiBatches: lim(15000),
    DailyBulkV2QueryFileStorageMB: lim(976562),
    DailyBulkV2QueryJobs: lim(10000),
    DailyGenericStreamingApiEvents: lim(10000),
    DailyStreamingApiEvents: lim(10000),
    DailyWorkflowEmails: lim(2000),
    DataStorageMB: { Max: Math.max(1024, dataMb * 2), Remaining: Math.max(1024, dataMb * 2) - dataMb },
    FileStorageMB: lim(20480),
    HourlyODataCallout: lim(20000),
    HourlyTimeBasedWorkflow: lim(1000),
    MassEmail: lim(5000),
    SingleEmail: lim(5000),
    StreamingApiConcurrentClients: lim(2000),
  };
}

/** Live (not deleted) records per object, as `/limits/recordCount` reports them; `sObjects` picks a few. */
function recordCounts(org: Org, wanted: string | null) {
  const names = wanted
    ? wanted
        .split(",")
        .map((n) => n.trim())
        .filter(Boolean)
    : [...org.tables.keys()];
  const sObjects = [];
  for (const n of names) {
    const table = org.table(n);
    if (!table) continue;
    let count = table.generatedCount;
    for (const rec of table.overlay.values()) {
      const live = !rec.purged && rec.v.IsDeleted !== true;
      if (rec.counter <= table.generatedCount) count -= live ? 0 : 1;
      else count += live ? 1 : 0;
    }
    sObjects.push({ count, name: table.def.name });
  }
  return { sObjects };
}

function versionResource(version: string, identity: string) {
  const p = `/services/data/v${version}`;
  return {
    tooling: `${p}/tooling`,
    metadata: `${p}/metadata`,
    eclair: `${p}/eclair`,
    folders: `${p}/folders`,
    prechatForms: `${p}/prechatForms`,
    jobs: `${p}/jobs`,
    query: `${p}/query`,
    queryAll: `${p}/queryAll`,
    sobjects: `${p}/sobjects`,
    search: `${p}/search`,
    recent: `${p}/recent`,
    limits: `${p}/limits`,
    composite: `${p}/composite`,
    identity,
    tabs: `${p}/tabs`,
    theme: `${p}/theme`,
  };
}

function singleError(e: unknown): never {
  if (e instanceof WriteFailure) {
    const status = e.statusCode === "INVALID_CROSS_REFERENCE_KEY" || e.statusCode === "ENTITY_IS_DELETED" ? 404 : 400;
    if (e.statusCode === "INVALID_CROSS_REFERENCE_KEY") throw notFound();
    throw failureToApi(e, status);
  }
  throw e;
}

export function restRoutes(ctx: EmulatorContext, cursors: QueryCursors, identityUrlFor: (s: Session) => string): RestRoute[] {
  const org = ctx.org;
  const S = "/sobjects/([^/]+)";
  const upsertResponse = (call: RestCall, table: SObjectTable, out: UpsertOutcome): Res => {
    if ("multiple" in out)
      return json(
        300,
        out.multiple.map((id) => `/services/data/v${call.version}/sobjects/${table.def.name}/${id}`),
      );
    if (out.created) return json(201, { id: out.id, success: true, errors: [], created: true });
    if (Number(call.version) >= 46) return json(200, { id: out.id, success: true, errors: [], created: false });
    return noContent();
  };
  return [
    { method: "GET", pattern: /^\/?$/, endpoint: "versions", handler: (c) => json(200, versionResource(c.version, identityUrlFor(c.session))) },
    { method: "GET", pattern: /^\/sobjects\/?$/, endpoint: "describe", handler: (c) => json(200, describeGlobal(org, c.version)) },
    {
      method: "GET",
      pattern: new RegExp(`^${S}/describe/?$`),
      endpoint: "describe",
      handler: (c, [t]) => json(200, describeSObject(org, c.session.user, requireTable(org, t!).def, c.version)),
    },
    { method: "GET", pattern: new RegExp(`^${S}/updated/?$`), endpoint: "replication", handler: (c, [t]) => getUpdated(org, c, t!) },
    { method: "GET", pattern: new RegExp(`^${S}/deleted/?$`), endpoint: "replication", handler: (c, [t]) => getDeleted(org, c, t!) },
    {
      method: "GET",
      pattern: new RegExp(`^${S}/?$`),
      endpoint: "describe",
      handler: (c, [t]) => {
        const def = requireTable(org, t!).def;
        const { fields: _f, childRelationships: _c, ...objectDescribe } = describeSObject(org, c.session.user, def, c.version);
        return json(200, { objectDescribe, recentItems: [] });
      },
    },
    {
      method: "POST",
      pattern: new RegExp(`^${S}/?$`),
      endpoint: "sobject",
      handler: async (c, [t]) => {
        const table = requireTable(org, t!);
        const body = asRecord(await c.req.json());
        try {
          const id = createRecord(new Tx(org), c.session.user, table.def.name, body);
          return json(201, { id, success: true, errors: [] });
        } catch (e) {
          return singleError(e);
        }
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^${S}/([^/]+)/?$`),
      endpoint: "sobject",
      handler: (c, [t, rawId]) => {
        const table = requireTable(org, t!);
        const id = canonicalId(rawId!);
        const ref = id ? table.rowById(id) : undefined;
        if (ref === undefined || table.isDeleted(ref)) throw notFound();
        const fields = c.req.url.searchParams.get("fields");
        return json(
          200,
          recordJson(
            org,
            c.session.user,
            table,
            ref,
            c.version,
            fields
              ? fields
                  .split(",")
                  .map((s) => s.trim())
                  .filter(Boolean)
              : undefined,
          ),
        );
      },
    },
    {
      method: "PATCH",
      pattern: new RegExp(`^${S}/([^/]+)/?$`),
      endpoint: "sobject",
      handler: async (c, [t, rawId]) => {
        const table = requireTable(org, t!);
        const body = asRecord(await c.req.json());
        try {
          updateRecord(new Tx(org), c.session.user, table.def.name, rawId!, body);
          return noContent();
        } catch (e) {
          return singleError(e);
        }
      },
    },
    {
      method: "DELETE",
      pattern: new RegExp(`^${S}/([^/]+)/?$`),
      endpoint: "sobject",
      handler: (c, [t, rawId]) => {
        const table = requireTable(org, t!);
        try {
          deleteRecord(new Tx(org), c.session.user, rawId!, table.def.name);
          return noContent();
        } catch (e) {
          return singleError(e);
        }
      },
    },
    {
      method: "PATCH",
      pattern: new RegExp(`^${S}/([^/]+)/([^/]+)/?$`),
      endpoint: "sobject",
      handler: async (c, [t, extField, extValue]) => {
        const table = requireTable(org, t!);
        const body = asRecord(await c.req.json());
        try {
          return upsertResponse(c, table, upsertRecord(new Tx(org), c.session.user, table.def.name, extField!, extValue!, body));
        } catch (e) {
          return singleError(e);
        }
      },
    },
    {
      method: "GET",
      pattern: new RegExp(`^${S}/([^/]+)/([^/]+)/?$`),
      endpoint: "sobject",
      handler: (c, [t, extField, extValue]) => {
        const table = requireTable(org, t!);
        const f = org.visibleField(c.session.user, table.def, extField!);
        if (!f || !f.externalId) throw notFound();
        const matches = findByExternalId(table, f, extValue!);
        if (matches.length === 0) throw notFound();
        if (matches.length > 1)
          return json(
            300,
            matches.map((m) => `/services/data/v${c.version}/sobjects/${table.def.name}/${String(table.read(m, "Id"))}`),
          );
        return json(200, recordJson(org, c.session.user, table, matches[0]!, c.version));
      },
    },
    { method: "GET", pattern: /^\/query\/?$/, endpoint: "query", handler: (c) => runRestQuery(ctx, cursors, c.req, c.session, c.version, false) },
    { method: "GET", pattern: /^\/queryAll\/?$/, endpoint: "query", handler: (c) => runRestQuery(ctx, cursors, c.req, c.session, c.version, true) },
    { method: "GET", pattern: /^\/query(?:All)?\/([^/]+)\/?$/, endpoint: "query", handler: (c, [loc]) => queryMore(cursors, c.session, loc!, c.version) },
    { method: "GET", pattern: /^\/search\/?$/, endpoint: "query", handler: (c) => runSearch(org, c.session.user, c.req.url.searchParams.get("q"), c.version) },
    { method: "GET", pattern: /^\/limits\/?$/, endpoint: "limits", handler: () => json(200, limitsJson(org)) },
    {
      method: "GET",
      pattern: /^\/limits\/recordCount\/?$/,
      endpoint: "limits",
      handler: (c) => json(200, recordCounts(org, c.req.url.searchParams.get("sObjects"))),
    },
    {
      method: "POST",
      pattern: /^\/composite\/sobjects\/?$/,
      endpoint: "composite",
      handler: (c) =>
        collectionWrite(org, c, 42, (tx, rec) => {
          const type = (rec.attributes as { type?: string } | undefined)?.type;
          if (!type) throw new WriteFailure("INVALID_TYPE", "No SObject Type defined in the attributes");
          if (rec.id !== undefined || rec.Id !== undefined) throw new WriteFailure("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"]);
          return { id: createRecord(tx, c.session.user, type, rec) };
        }),
    },
    {
      method: "PATCH",
      pattern: /^\/composite\/sobjects\/?$/,
      endpoint: "composite",
      handler: (c) =>
        collectionWrite(org, c, 42, (tx, rec) => {
          const type = (rec.attributes as { type?: string } | undefined)?.type;
          const id = (rec.id ?? rec.Id) as string | undefined;
          if (!id) throw new WriteFailure("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"]);
          const { id: _lower, ...fields } = rec;
          return { id: updateRecord(tx, c.session.user, type, id, fields) };
        }),
    },
    {
      method: "DELETE",
      pattern: /^\/composite\/sobjects\/?$/,
      endpoint: "composite",
      handler: (c) => {
        collectionsNeed(c.version, 42);
        const ids = (c.req.url.searchParams.get("ids") ?? "")
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean);
        checkCollectionSize(ids.length);
        const allOrNone = c.req.url.searchParams.get("allOrNone") === "true";
        return json(
          200,
          runBatch(org, allOrNone, ids, (tx, id) => ({ id: deleteRecord(tx, c.session.user, id) }), c.lockRows),
        );
      },
    },
    {
      method: "POST",
      pattern: /^\/composite\/sobjects\/([^/]+)\/?$/,
      endpoint: "composite",
      handler: async (c, [t]) => {
        collectionsNeed(c.version, 42);
        const table = requireTable(org, t!);
        const body = asRecord(await c.req.json());
        const ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
        const fields = Array.isArray(body.fields) ? body.fields.map(String) : [];
        if (ids.length > 2000) throw new ApiError(400, "EXCEEDED_ID_LIMIT", "more than 2000 ids are not allowed in a single request");
        if (!fields.length) throw new ApiError(400, "MISSING_ARGUMENT", "fields is required");
        return json(
          200,
          ids.map((raw) => {
            const id = canonicalId(raw);
            const ref = id ? table.rowById(id) : undefined;
            return ref === undefined || table.isDeleted(ref) ? null : recordJson(org, c.session.user, table, ref, c.version, fields);
          }),
        );
      },
    },
    {
      method: "PATCH",
      pattern: /^\/composite\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      endpoint: "composite",
      handler: (c, [t, extField]) => {
        collectionsNeed(c.version, 46);
        const table = requireTable(org, t!);
        const key = org.visibleField(c.session.user, table.def, extField!);
        return collectionWrite(org, c, 46, (tx, rec) => {
          const value = key && Object.entries(rec).find(([k]) => k.toLowerCase() === key.name.toLowerCase())?.[1];
          try {
            const out = upsertRecord(tx, c.session.user, table.def.name, extField!, undefined, rec);
            if ("multiple" in out)
              throw new WriteFailure("DUPLICATE_EXTERNAL_ID", `${extField}: more than one record found for external id field: ${out.multiple.join(", ")}`, [
                extField!,
              ]);
            return out;
          } catch (e) {
            if (e instanceof WriteFailure && key) {
              const blank = value === undefined || value === null || value === "";
              e.created = key.type === "id" ? blank : blank || findByExternalId(table, key, String(value)).length === 0;
            }
            throw e;
          }
        });
      },
    },
  ];
}
