import { ApiError } from "../errors";
import { WriteFailure } from "../data/org";
import { createRecord, Tx } from "../data/writes";
import type { EmulatorContext } from "./context";
import { json, type Res } from "./http";
import type { RestCall, RestRoute } from "./rest";
import type { Session } from "./sessions";

/** Runs one subrequest through the ordinary REST routes, without counting it as an API call. */
export type SubrequestRunner = (session: Session, method: string, url: string, body: unknown, headers: Record<string, string>) => Promise<Res>;

const MAX_SUBREQUESTS = 25;
const MAX_QUERY_OR_COLLECTION = 5;

const HALTED_ROLLED_BACK = [
  { errorCode: "PROCESSING_HALTED", message: "The transaction was rolled back since another operation in the same transaction failed." },
];

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body?: unknown;
  httpHeaders?: Record<string, string>;
}

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/** The resources Salesforce accepts inside /composite: sObject resources, query, queryAll, sObject Collections. */
function classify(url: string): "sobject" | "query" | "collection" | undefined {
  const path = url.split("?")[0]!;
  const m = /^\/services\/data\/v\d+\.0(\/.*)$/.exec(path);
  if (!m) return undefined;
  const sub = m[1]!;
  if (/^\/sobjects(\/|$)/.test(sub)) return "sobject";
  if (/^\/query(All)?(\/|$)/.test(sub)) return "query";
  if (/^\/composite\/sobjects(\/|$)/.test(sub)) return "collection";
  return undefined;
}

function parseSubrequests(body: unknown): { allOrNone: boolean; subrequests: Subrequest[] } {
  const b = body as { allOrNone?: unknown; compositeRequest?: unknown } | null;
  if (!b || typeof b !== "object" || !Array.isArray(b.compositeRequest)) {
    throw new ApiError(400, "JSON_PARSER_ERROR", "compositeRequest is required and must be an array of subrequests");
  }
  const list = b.compositeRequest as unknown[];
  if (list.length === 0) throw new ApiError(400, "INVALID_INPUT", "compositeRequest must contain at least one subrequest");
  if (list.length > MAX_SUBREQUESTS)
    throw new ApiError(400, "LIMIT_EXCEEDED", `A composite request can have at most ${MAX_SUBREQUESTS} subrequests; this one has ${list.length}`);
  const seen = new Set<string>();
  let heavy = 0;
  const subrequests = list.map((raw, k): Subrequest => {
    const s = raw as Partial<Subrequest> | null;
    if (!s || typeof s !== "object" || typeof s.method !== "string" || typeof s.url !== "string" || typeof s.referenceId !== "string") {
      throw new ApiError(400, "JSON_PARSER_ERROR", `Subrequest ${k} needs method, url and referenceId`);
    }
    if (!/^[A-Za-z0-9_]+$/.test(s.referenceId))
      throw new ApiError(400, "INVALID_INPUT", `Invalid referenceId '${s.referenceId}': use letters, digits and underscores only`);
    if (seen.has(s.referenceId)) throw new ApiError(400, "INVALID_INPUT", `Duplicate referenceId '${s.referenceId}'`);
    seen.add(s.referenceId);
    const kind = classify(s.url);
    if (!kind)
      throw new ApiError(
        400,
        "INVALID_INPUT",
        `The url '${s.url}' is not a resource supported in a composite subrequest (sObject, query, queryAll or sObject Collections under /services/data/vXX.X)`,
      );
    if (kind !== "sobject") heavy++;
    return { method: s.method.toUpperCase(), url: s.url, referenceId: s.referenceId, body: s.body, httpHeaders: s.httpHeaders };
  });
  if (heavy > MAX_QUERY_OR_COLLECTION) {
    throw new ApiError(
      400,
      "LIMIT_EXCEEDED",
      `A composite request can have at most ${MAX_QUERY_OR_COLLECTION} query or sObject Collections subrequests; this one has ${heavy}`,
    );
  }
  return { allOrNone: b.allOrNone === true, subrequests };
}

const REFERENCE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

class UnresolvedReference extends Error {}

/** Follows `records[0].Id`-style paths through a previous subrequest's response body. */
function lookup(results: Map<string, SubResponse>, refId: string, path: string, expr: string): unknown {
  const prior = results.get(refId);
  if (!prior || prior.httpStatusCode >= 400)
    throw new UnresolvedReference(
      `Invalid reference specified. No value for ${expr} found in ${refId}. Provided referenceId ${prior ? "refers to a failed subrequest" : "is not defined by an earlier subrequest"}.`,
    );
  let v: unknown = prior.body;
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    const key = step.startsWith(".") ? step.slice(1) : Number(step.slice(1, -1));
    v = v !== null && typeof v === "object" ? (v as Record<string | number, unknown>)[key] : undefined;
  }
  if (v === undefined || (v !== null && typeof v === "object"))
    throw new UnresolvedReference(`Invalid reference specified. No value for ${expr} found in ${refId}.`);
  return v;
}

function substitute(value: unknown, results: Map<string, SubResponse>, encode: boolean): unknown {
  if (typeof value === "string") {
    const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}$/.exec(value);
    if (whole && !encode) return lookup(results, whole[1]!, whole[2]!, `${whole[1]}${whole[2]}`);
    return value.replace(REFERENCE, (_m, ref: string, path: string) => {
      const v = String(lookup(results, ref, path, `${ref}${path}`));
      return encode ? encodeURIComponent(v) : v;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results, encode));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, results, encode);
    return out;
  }
  return value;
}

function bodyOf(res: Res): unknown {
  if (res.body === undefined || res.body === "") return null;
  const text = typeof res.body === "string" ? res.body : res.body.toString("utf8");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A created record's Location, as Salesforce reports it in the subresponse's httpHeaders. */
function responseHeaders(res: Res, url: string): Record<string, string> {
  if (res.status !== 201) return {};
  const id = (bodyOf(res) as { id?: unknown } | null)?.id;
  const path = url.split("?")[0]!.replace(/\/$/, "");
  return typeof id === "string" && /\/sobjects\/[^/]+$/.test(path) ? { Location: `${path}/${id}` } : {};
}

/**
 * `/composite`: subrequests run in order as the same user, later ones may use `@{ref.path}` values of
 * earlier responses, and the whole request is one API call. With allOrNone one failure rolls back
 * every write and turns every other response into PROCESSING_HALTED.
 */
export async function runComposite(ctx: EmulatorContext, call: RestCall, run: SubrequestRunner): Promise<Res> {
  const { allOrNone, subrequests } = parseSubrequests(await call.req.json());
  const org = ctx.org;
  const journal = allOrNone ? new Tx(org) : undefined;
  const results = new Map<string, SubResponse>();
  const out: SubResponse[] = [];
  let failedAt = -1;
  const previousJournal = org.journal;
  if (journal) org.journal = journal;
  try {
    for (const [k, s] of subrequests.entries()) {
      let res: SubResponse;
      try {
        const url = substitute(s.url, results, true) as string;
        const body = s.body === undefined ? undefined : substitute(s.body, results, false);
        const r = await run(call.session, s.method, url, body, s.httpHeaders ?? {});
        res = { body: bodyOf(r), httpHeaders: responseHeaders(r, url), httpStatusCode: r.status, referenceId: s.referenceId };
      } catch (e) {
        if (!(e instanceof UnresolvedReference)) throw e;
        res = { body: [{ errorCode: "PROCESSING_HALTED", message: e.message }], httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId };
      }
      results.set(s.referenceId, res);
      out.push(res);
      if (allOrNone && res.httpStatusCode >= 400) {
        failedAt = k;
        break;
      }
    }
  } finally {
    org.journal = previousJournal;
  }
  if (journal && failedAt >= 0) {
    journal.rollback();
    const halted = (s: Subrequest): SubResponse => ({ body: HALTED_ROLLED_BACK, httpHeaders: {}, httpStatusCode: 400, referenceId: s.referenceId });
    return json(200, { compositeResponse: subrequests.map((s, k) => (k === failedAt ? out[k]! : halted(s))) });
  }
  return json(200, { compositeResponse: out });
}

const BATCH_HALTED = [{ errorCode: "BATCH_PROCESSING_HALTED", message: "Batch processing halted per request" }];

/**
 * `/composite/batch`: up to 25 independent subrequests (urls relative to /services/data/), each
 * counted as an API call; with haltOnError the ones after a failure answer 412 BATCH_PROCESSING_HALTED.
 */
async function runBatchRequest(ctx: EmulatorContext, call: RestCall, run: SubrequestRunner): Promise<Res> {
  const body = (await call.req.json()) as { batchRequests?: unknown; haltOnError?: unknown } | null;
  if (!body || !Array.isArray(body.batchRequests)) throw new ApiError(400, "JSON_PARSER_ERROR", "batchRequests is required and must be an array");
  const list = body.batchRequests as { method?: unknown; url?: unknown; richInput?: unknown }[];
  if (list.length === 0 || list.length > MAX_SUBREQUESTS)
    throw new ApiError(400, "LIMIT_EXCEEDED", `A batch request needs 1 to ${MAX_SUBREQUESTS} subrequests; this one has ${list.length}`);
  const org = ctx.org;
  const results: { statusCode: number; result: unknown }[] = [];
  let halted = false;
  for (const [k, sub] of list.entries()) {
    if (halted) {
      results.push({ statusCode: 412, result: BATCH_HALTED });
      continue;
    }
    if (typeof sub?.method !== "string" || typeof sub.url !== "string") throw new ApiError(400, "JSON_PARSER_ERROR", `Subrequest ${k} needs method and url`);
    // The batch call itself was counted; every further subrequest is a call of its own.
    if (k > 0) {
      if (org.apiUsage >= org.dailyApiLimit) {
        results.push({ statusCode: 403, result: [{ errorCode: "REQUEST_LIMIT_EXCEEDED", message: "TotalRequests Limit exceeded." }] });
        halted = body.haltOnError === true;
        continue;
      }
      org.apiUsage++;
    }
    const url = sub.url.startsWith("/services/data/") ? sub.url : `/services/data/${sub.url.replace(/^\//, "")}`;
    const r = await run(call.session, sub.method.toUpperCase(), url, sub.richInput, {});
    results.push({ statusCode: r.status, result: bodyOf(r) });
    if (r.status >= 400 && body.haltOnError === true) halted = true;
  }
  return json(200, { hasErrors: results.some((r) => r.statusCode >= 400), results });
}

interface TreeRecord {
  attributes?: { type?: string; referenceId?: string };
  [field: string]: unknown;
}

/**
 * `/composite/tree/{Object}`: records with nested child records (under their child relationship
 * names), created all or none; at most 200 records in all, one API call.
 */
async function runTree(ctx: EmulatorContext, call: RestCall, objectName: string): Promise<Res> {
  const org = ctx.org;
  const root = org.table(objectName);
  if (!root) throw new ApiError(404, "NOT_FOUND", "The requested resource does not exist");
  const body = (await call.req.json()) as { records?: unknown } | null;
  if (!body || !Array.isArray(body.records)) throw new ApiError(400, "JSON_PARSER_ERROR", "records is required and must be an array");
  let total = 0;
  const countAll = (records: TreeRecord[], depth: number) => {
    if (depth > 5) throw new ApiError(400, "INVALID_INPUT", "A tree can be at most 5 levels deep");
    for (const r of records) {
      total++;
      for (const v of Object.values(r))
        if (v && typeof v === "object" && Array.isArray((v as { records?: unknown }).records)) countAll((v as { records: TreeRecord[] }).records, depth + 1);
    }
  };
  countAll(body.records as TreeRecord[], 1);
  if (total > 200) throw new ApiError(400, "LIMIT_EXCEEDED", `A tree request can create at most 200 records; this one has ${total}`);
  const tx = new Tx(org);
  const results: { referenceId: string; id?: string; errors?: unknown[] }[] = [];
  const failures: { referenceId: string; errors: unknown[] }[] = [];
  const seen = new Set<string>();
  const insert = (records: TreeRecord[], type: string, parent?: { field: string; id: string }) => {
    const def = org.table(type)!.def;
    for (const r of records) {
      const referenceId = r.attributes?.referenceId;
      if (!referenceId || seen.has(referenceId))
        throw new ApiError(400, "INVALID_INPUT", referenceId ? `Duplicate referenceId '${referenceId}'` : "Every record needs attributes.referenceId");
      seen.add(referenceId);
      const fields: Record<string, unknown> = {};
      const children: { rel: ReturnType<typeof org.schema.childRelationships>[number]; records: TreeRecord[] }[] = [];
      for (const [k, v] of Object.entries(r)) {
        if (k === "attributes") continue;
        const rel =
          v && typeof v === "object" && !Array.isArray(v)
            ? org.schema.childRelationships(def).find((c) => c.relationshipName?.toLowerCase() === k.toLowerCase())
            : undefined;
        if (rel) children.push({ rel, records: (v as { records?: TreeRecord[] }).records ?? [] });
        else fields[k] = v;
      }
      if (parent) fields[parent.field] = parent.id;
      let id: string | undefined;
      try {
        id = createRecord(tx, call.session.user, def.name, fields);
        results.push({ referenceId, id });
      } catch (e) {
        if (!(e instanceof WriteFailure)) throw e;
        failures.push({ referenceId, errors: [{ statusCode: e.statusCode, message: e.message, fields: e.fields }] });
      }
      for (const c of children) insert(c.records, c.rel.childSObject, id ? { field: c.rel.field, id } : undefined);
    }
  };
  try {
    insert(body.records as TreeRecord[], root.def.name);
  } catch (e) {
    tx.rollback();
    throw e;
  }
  if (failures.length) {
    tx.rollback();
    return json(400, { hasErrors: true, results: failures });
  }
  return json(201, { hasErrors: false, results });
}

export function compositeRoutes(ctx: EmulatorContext, run: SubrequestRunner): RestRoute[] {
  return [
    {
      method: "GET",
      pattern: /^\/composite\/?$/,
      endpoint: "composite",
      handler: (c) => {
        const p = `/services/data/v${c.version}/composite`;
        return json(200, { tree: `${p}/tree`, batch: `${p}/batch`, sobjects: `${p}/sobjects`, graph: `${p}/graph` });
      },
    },
    { method: "POST", pattern: /^\/composite\/?$/, endpoint: "composite", handler: (c) => runComposite(ctx, c, run) },
    { method: "POST", pattern: /^\/composite\/batch\/?$/, endpoint: "composite", handler: (c) => runBatchRequest(ctx, c, run) },
    { method: "POST", pattern: /^\/composite\/tree\/([^/]+)\/?$/, endpoint: "composite", handler: (c, [t]) => runTree(ctx, c, t!) },
  ];
}
