import { randomUUID } from "node:crypto";
import superjson from "superjson";
import { captureClient } from "./capture";

/**
 * A structure-aware, seeded fuzzer for the tRPC API: the router is enumerated, each procedure's
 * zod input is walked, and every field (and the input as a whole) is replaced by hostile values.
 * Deterministic for a seed, so a failure names a case that can be sent again.
 */

export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!,
    shuffle: <T>(list: T[]): T[] => {
      for (let i = list.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [list[i], list[j]] = [list[j]!, list[i]!];
      }
      return list;
    },
  };
}

// ---- the router's shape ----------------------------------------------------------------------

interface ZodLike {
  _zod: { def: Record<string, unknown> & { type: string } };
  safeParse(value: unknown): { success: boolean };
}

/** `nullable`: null is a valid value there (not a wrong type). */
export type Node = { optional?: boolean; nullable?: boolean } & (
  | { kind: "object"; shape: Record<string, Node> }
  | { kind: "string" | "number" | "boolean" | "date" | "any" }
  | { kind: "enum"; values: unknown[] }
  | { kind: "array"; element: Node }
  | { kind: "record"; value: Node }
  | { kind: "union"; options: Node[] }
);

export function nodeOf(schema: ZodLike): Node {
  const def = schema._zod.def;
  switch (def.type) {
    case "nullable":
      return { ...nodeOf(def.innerType as ZodLike), optional: true, nullable: true };
    case "optional":
    case "default":
    case "prefault":
    case "catch":
      return { ...nodeOf(def.innerType as ZodLike), optional: true };
    case "readonly":
    case "nonoptional":
      return nodeOf(def.innerType as ZodLike);
    case "pipe":
      return nodeOf(def.in as ZodLike);
    case "object":
      return { kind: "object", shape: Object.fromEntries(Object.entries(def.shape as Record<string, ZodLike>).map(([k, v]) => [k, nodeOf(v)])) };
    case "array":
      return { kind: "array", element: nodeOf(def.element as ZodLike) };
    case "record":
      return { kind: "record", value: nodeOf(def.valueType as ZodLike) };
    case "union":
      return { kind: "union", options: (def.options as ZodLike[]).map(nodeOf) };
    case "enum":
      return { kind: "enum", values: Object.values(def.entries as Record<string, unknown>) };
    case "literal":
      return { kind: "enum", values: def.values as unknown[] };
    case "string":
    case "number":
    case "boolean":
    case "date":
      return { kind: def.type };
    default:
      return { kind: "any" };
  }
}

export interface Procedure {
  path: string;
  type: "query" | "mutation";
  /** The zod input, or undefined for a procedure that takes none (tRPC ignores what is sent). */
  schema: ZodLike | undefined;
  node: Node | undefined;
}

/** Every procedure of the router, from the router record itself: a new procedure is covered without listing it. */
export function proceduresOf(router: unknown): Procedure[] {
  const record = (router as { _def: { procedures: Record<string, { _def: { type: "query" | "mutation" | "subscription"; inputs?: ZodLike[] } }> } })._def
    .procedures;
  return Object.entries(record)
    .filter(([, p]) => p._def.type !== "subscription")
    .map(([path, p]) => {
      const schema = p._def.inputs?.[0];
      return { path, type: p._def.type as "query" | "mutation", schema, node: schema ? nodeOf(schema) : undefined };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

export function parsesLocally(procedure: Procedure, input: unknown): boolean {
  return procedure.schema ? procedure.schema.safeParse(input).success : true;
}

// ---- hostile values --------------------------------------------------------------------------

export const MB = 1024 * 1024;

export const injectionStrings = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "1; SELECT pg_sleep(10); --",
  "') UNION SELECT token, user_id FROM sessions --",
  "%' AND 1=1 AND '%'='",
  "\\'; set role postgres; --",
  "$$; TRUNCATE tenants CASCADE; $$",
  "x' OR tenant_id IS NOT NULL --",
  // SOQL: where names and filters could reach a Salesforce query.
  "Acme' OR Name LIKE '%",
  "' OR Id != null LIMIT 50000 --",
  "Lead WHERE IsDeleted = true ALL ROWS",
  "x') OR (Email LIKE '%",
  "SELECT Id, Password FROM User",
  "\\' OR Name != \\'",
];

export const unicodeStrings = [
  "\u202Eevil\u202C.exe",
  "مرحبا بالعالم",
  "💥🧨👩‍👩‍👧‍👦🏳️‍🌈",
  "a\u0000b",
  "\u0000",
  "\u200B\u200C\u200D\uFEFF",
  "Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇",
  "\r\n\t\u0007\u001b[31m",
  "ｆｕｌｌｗｉｄｔｈ＠ｅｘａｍｐｌｅ．ｃｏｍ",
  "İıſK",
];

/** Noncharacters: a search ending in U+FFFF once wrapped its prefix bound to U+0000 (a 500). */
export const nonCharacterStrings = ["ada\uFFFF", "\uFFFF", "\uFFFE", "x\uFDD0y", "\u{1FFFF}", "end\u{10FFFF}", "\uFFFF\uFFFF\uFFFF"];

/** Half a surrogate pair: JSON carries it as an escape, and jsonb refuses it (a 500 on sign-up). */
export const loneSurrogateStrings = ["\uD800", "x\uDC00y", "tail\uD83D", "\uDE00\uD83D", "Acme \uDBFF"];

/** 10 KB and more: a 9 KB email once overflowed a btree index row (a 500). */
export const longStrings = [
  "a".repeat(10 * 1024 + 1),
  `${"a".repeat(10 * 1024)}@example.test`,
  "\u00e9".repeat(16 * 1024),
  "\u{1F4A5}".repeat(8 * 1024),
  `${"x".repeat(12 * 1024)}\uFFFF`,
];

/** The string classes issue 13 adds: every string input gets at least one of each, at every size. */
export const textClasses = ["noncharacter", "lone surrogate", "long string"] as const;

export const otherStrings = [
  "",
  " ",
  "<script>alert(1)</script>",
  "../../../../etc/passwd",
  "${7*7}{{7*7}}#{7*7}",
  "__proto__",
  "constructor",
  "null",
  "undefined",
  "NaN",
  "-1",
  "%00%ff%",
  "a".repeat(10_000),
];

/** Numbers that break assumptions; NaN and the infinities reach the server through superjson's meta, as a client could send them. */
export const hostileNumbers: unknown[] = [
  -1,
  0,
  -0,
  0.5,
  -2_147_483_649,
  2 ** 53 + 1,
  1e308,
  -1e308,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  "10",
  BigInt("9".repeat(40)),
];

export const wrongTypes: unknown[] = [null, true, 12345, -1, "text", [], {}, [[[[[]]]]], { $gt: "" }, new Date("invalid")];

export function deepNesting(depth: number): unknown {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

export interface IdPools {
  /** Real ids of the tenant the caller is not in, by field name pattern. */
  foreign: string[];
  /** Right shape, never stored. */
  missing: string[];
}

export type Category =
  | "wrong type"
  | "missing field"
  | "extra field"
  | "injection"
  | "unicode"
  | "noncharacter"
  | "lone surrogate"
  | "huge string"
  | "long string"
  | "number"
  | "foreign id"
  | "missing id"
  | "whole input"
  | "array"
  | "record"
  | "enum"
  | "date";

export interface Mutation {
  category: Category;
  /** Undefined means the field is removed. */
  value: unknown;
  label: string;
}

const idKey = /(^|[a-z])(id|ids|Id|Ids)$|^after$|cursor/;

function valuesFor(node: Node, key: string, ids: IdPools): Mutation[] {
  const out: Mutation[] = [];
  const add = (category: Category, value: unknown, label: string) => out.push({ category, value, label });
  // Where null is valid, so is an invalid Date: it crosses the wire as null.
  const arrivesAsNull = (v: unknown) => v === null || (v instanceof Date && Number.isNaN(v.getTime()));
  for (const v of wrongTypes) if (!(node.kind === "date" && v instanceof Date) && !(node.nullable && arrivesAsNull(v))) add("wrong type", v, describeValue(v));
  if (!node.optional) add("missing field", undefined, "removed");
  const stringy = node.kind === "string" || node.kind === "any" || (node.kind === "array" && node.element.kind === "string") || node.kind === "enum";
  if (stringy) {
    const wrap = (v: unknown) => (node.kind === "array" ? [v] : v);
    for (const s of injectionStrings) add("injection", wrap(s), s);
    for (const s of unicodeStrings) add("unicode", wrap(s), JSON.stringify(s).slice(0, 30));
    for (const s of nonCharacterStrings) add("noncharacter", wrap(s), JSON.stringify(s).slice(0, 30));
    for (const s of loneSurrogateStrings) add("lone surrogate", wrap(s), JSON.stringify(s).slice(0, 30));
    for (const s of longStrings) add("long string", wrap(s), `${s.length}-unit ${JSON.stringify(s.slice(0, 12))}…`);
    for (const s of otherStrings) add(s.length > 1000 ? "long string" : "injection", wrap(s), JSON.stringify(s).slice(0, 30));
    add("huge string", wrap("\u00e9".repeat(MB / 2)), "1 MB string");
    if (idKey.test(key)) {
      for (const id of ids.foreign) add("foreign id", wrap(id), `foreign ${id}`);
      for (const id of ids.missing) add("missing id", wrap(id), `missing ${id}`);
    }
  }
  if (node.kind === "number") for (const n of hostileNumbers) add("number", n, describeValue(n));
  if (node.kind === "enum") for (const v of ["ADMIN", "owner", "admin' --", "*", 1, false]) add("enum", v, describeValue(v));
  if (node.kind === "array") {
    add(
      "array",
      Array.from({ length: 10_001 }, (_, i) => `id-${i}`),
      "10,001 elements",
    );
    add("array", [null, 1, {}], "mixed elements");
    add("array", deepNesting(400), "400 levels deep");
  }
  if (node.kind === "record") {
    add("record", {}, "empty");
    add("record", JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}}'), "prototype keys");
    add("record", Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`Field${i}__c`, "x"])), "5,000 keys");
    add("record", { ["K".repeat(MB / 4)]: "x" }, "256 KB key");
    add("record", { Email: { nested: ["deep"] } }, "object value");
  }
  if (node.kind === "date") for (const v of [new Date(8.64e15), new Date(-8.64e15), "2026-01-01", 0]) add("date", v, describeValue(v));
  return out;
}

function describeValue(v: unknown): string {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : `Date ${v.getTime()}`;
  if (typeof v === "bigint") return `${String(v).slice(0, 12)}n`;
  if (typeof v === "number") return String(v);
  return (JSON.stringify(v) ?? String(v)).slice(0, 30);
}

/** A value the schema accepts for a field, chosen by the field's name: hostile values replace one field at a time around it. */
export function baseOf(node: Node, key: string, named: (key: string) => string | undefined): unknown {
  switch (node.kind) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, child] of Object.entries(node.shape)) if (!child.optional) out[k] = baseOf(child, k, named);
      return out;
    }
    case "string":
      return named(key) ?? "fuzz-base";
    case "number":
      return 10;
    case "boolean":
      return false;
    case "date":
      return new Date();
    case "enum":
      return node.values[0];
    case "array":
      return [];
    case "record":
      return { Email: "fuzz-base@x.test" };
    case "union":
      return node.options[0] ? baseOf(node.options[0], key, named) : null;
    default:
      return "fuzz-base";
  }
}

export interface InputCase {
  category: Category;
  field: string;
  label: string;
  input: unknown;
  /** Keys the schema does not know (an extra `tenantId`): the server drops them, so ids in them decide nothing. */
  ignoredKeys?: string[];
}

/** Hostile inputs for one procedure: the whole input replaced, then each field (one level into nested objects) replaced or removed, and extra fields. */
export function inputCases(procedure: Procedure, ids: IdPools, named: (key: string) => string | undefined): InputCase[] {
  const cases: InputCase[] = [];
  const whole: unknown[] = [
    undefined,
    null,
    0,
    -1,
    "",
    "x".repeat(MB),
    [],
    [1, 2],
    true,
    deepNesting(2_000),
    JSON.parse('{"__proto__": {"isStaff": true}}'),
    new Date("invalid"),
  ];
  for (const input of whole) cases.push({ category: "whole input", field: "(input)", label: describeValue(input), input });
  const node = procedure.node;
  if (!node || node.kind !== "object") return cases;
  const base = baseOf(node, "", named) as Record<string, unknown>;
  const fields: { path: string[]; node: Node }[] = [];
  for (const [k, child] of Object.entries(node.shape)) {
    fields.push({ path: [k], node: child });
    if (child.kind === "object") for (const [k2, grand] of Object.entries(child.shape)) fields.push({ path: [k, k2], node: grand });
    if (child.kind === "array" && child.element.kind === "object")
      for (const [k2, grand] of Object.entries(child.element.shape)) fields.push({ path: [k, "0", k2], node: grand });
  }
  for (const field of fields) {
    for (const m of valuesFor(field.node, field.path[field.path.length - 1]!, ids)) {
      cases.push({ category: m.category, field: field.path.join("."), label: m.label, input: setPath(base, field.path, m.value, named, node) });
    }
  }
  const extra = { isStaff: true, tenantId: ids.foreign[0], role: "owner", __typename: "x" };
  const ignoredKeys = Object.keys(extra).filter((k) => !(k in node.shape));
  cases.push({
    category: "extra field",
    field: "(extra)",
    label: "unknown keys",
    input: { ...Object.fromEntries(Object.entries(extra).filter(([k]) => ignoredKeys.includes(k))), ...base },
    ignoredKeys,
  });
  cases.push({ category: "extra field", field: "(extra)", label: "1 MB unknown key", input: { ...base, ["k".repeat(MB)]: 1 } });
  return cases;
}

function setPath(base: Record<string, unknown>, path: string[], value: unknown, named: (key: string) => string | undefined, root: Node): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  let target: Record<string, unknown> = copy;
  let node: Node = root;
  for (const [i, key] of path.slice(0, -1).entries()) {
    const child: Node | undefined = node.kind === "object" ? node.shape[key] : node.kind === "array" ? node.element : undefined;
    if (target[key] === undefined || (Array.isArray(target[key]) && (target[key] as unknown[]).length === 0)) {
      // An optional object (or array of objects) absent from the base is built around the mutated field.
      const next = path[i + 1];
      target[key] = next === "0" ? [] : child ? baseOf(child, key, named) : {};
    }
    target = target[key] as Record<string, unknown>;
    if (child) node = child;
    if (Array.isArray(target) && path[i + 1] === "0" && target.length === 0 && node.kind === "array") target.push(baseOf(node.element, key, named));
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

// ---- the wire --------------------------------------------------------------------------------

export interface Sent {
  status: number;
  /** One per procedure in the request (one for a single call). */
  items: { ok: boolean; httpStatus: number; message?: string; code?: string; bytes: number }[];
  body: string;
  ms: number;
}

export interface Wire {
  url: string;
  origin: string;
}

/** superjson's envelope; where superjson refuses to serialize (a `__proto__` key) the plain JSON a hand-written client would send. */
export function encode(input: unknown): string {
  try {
    return JSON.stringify(superjson.serialize(input));
  } catch {
    return JSON.stringify({ json: input });
  }
}

function parseItems(body: string, expected: number): Sent["items"] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length !== expected) return undefined;
  return list.map((item) => {
    const bytes = JSON.stringify(item).length;
    const error = (item as { error?: { json?: { message?: string; data?: { httpStatus?: number; code?: string } } } }).error?.json;
    if (error)
      return {
        ok: false,
        httpStatus: error.data?.httpStatus ?? 0,
        bytes,
        ...(error.message === undefined ? {} : { message: error.message }),
        ...(error.data?.code ? { code: error.data.code } : {}),
      };
    return { ok: true, httpStatus: 200, bytes };
  });
}

export async function send(
  wire: Wire,
  request: { method: string; path: string; query?: string; body?: string; cookie?: string; contentType?: string; where: string; expected?: number },
): Promise<Sent> {
  const started = Date.now();
  const headers: Record<string, string> = { origin: wire.origin, "x-request-id": randomUUID() };
  if (request.cookie) headers.cookie = request.cookie;
  if (request.body !== undefined) headers["content-type"] = request.contentType ?? "application/json";
  const response = await fetch(`${wire.url}/api/trpc/${request.path}${request.query ? `?${request.query}` : ""}`, {
    method: request.method,
    headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const body = await response.text();
  captureClient("trpc", `${request.where} ${request.method} ${request.path.slice(0, 80)} → ${response.status}`, body);
  const message = response.ok ? undefined : messageOf(body);
  const items = parseItems(body, request.expected ?? 1) ?? [
    { ok: response.ok, httpStatus: response.status, bytes: body.length, ...(message === undefined ? {} : { message }) },
  ];
  return { status: response.status, items, body, ms: Date.now() - started };
}

function messageOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { json?: { message?: string }; message?: string }; message?: string };
    return parsed.error?.json?.message ?? parsed.error?.message ?? parsed.message;
  } catch {
    return body.length ? body.slice(0, 200) : undefined;
  }
}

/** Why an error message would not help the person who sent the request, or null when it does. */
export function unclearMessage(message: string | undefined): string | null {
  if (!message || message.trim().length < 8) return `no message (${JSON.stringify(message)})`;
  if (message.length > 800) return `a ${message.length}-character message`;
  if (/something went wrong on our side|internal server error|internal error/i.test(message)) return "the generic server-error text";
  if (
    /\n\s+at |\.[jt]sx?:\d+|node_modules|Failed query|ZodError|SQLSTATE|duplicate key|violates .* constraint|syntax error at|TypeError|ReferenceError|Cannot read prop/i.test(
      message,
    )
  )
    return "internals (stack, SQL or exception text)";
  if (/^\s*[[{]/.test(message)) return "a raw JSON dump";
  return null;
}
