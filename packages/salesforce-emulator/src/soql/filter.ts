import { canonicalId } from "../ids";
import { dateToEpoch, parseDateTime, type EpochSeconds } from "../time";
import type { FieldDef } from "../schema";
import type { Value } from "../data/generator";
import type { RowRef } from "../data/table";
import type { PCondition, Reader } from "./compile";
import { soqlError } from "./errors";
import { dateLiteralRange } from "./dates";

type Category = "text" | "id" | "number" | "boolean" | "datetime" | "date" | "multi";

function categoryOf(f: FieldDef): Category {
  switch (f.type) {
    case "id":
    case "reference":
      return "id";
    case "int":
    case "double":
    case "currency":
    case "percent":
      return "number";
    case "boolean":
      return "boolean";
    case "datetime":
      return "datetime";
    case "date":
      return "date";
    case "multipicklist":
      return "multi";
    default:
      return "text";
  }
}

type Lit = { kind: "null" } | { kind: "value"; v: string | number | boolean } | { kind: "range"; s: number; e: number };

export function unquote(raw: string): string {
  const inner = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  return inner.replace(/\\(.)/g, (_, ch: string) => ({ n: "\n", t: "\t", r: "\r" })[ch] ?? ch);
}

/**
 * A WHERE leaf as a row test. Literals are normalised once (ids to their 18-character form, text to
 * lower case, dates to epoch seconds) so the per-row work is a read and a comparison. A semi-join's
 * values arrive in `semiJoin`.
 */
export function compileComparison(
  soql: string,
  whereAt: number,
  f: FieldDef,
  read: Reader,
  op: string,
  c: PCondition,
  now: EpochSeconds,
  semiJoin?: Set<Value>,
): (ref: RowRef) => boolean {
  if (semiJoin) {
    if (op === "IN") return (ref) => semiJoin.has(read(ref));
    if (op === "NOT IN") return (ref) => !semiJoin.has(read(ref));
    throw soqlError(400, "MALFORMED_QUERY", soql, op, `unexpected token: '${op}'`, whereAt);
  }
  const cat = categoryOf(f);
  const values = Array.isArray(c.value) ? c.value : [c.value ?? ""];
  const types = Array.isArray(c.literalType) ? c.literalType : values.map(() => (c.literalType as string | undefined) ?? "STRING");
  const vars = Array.isArray(c.dateLiteralVariable) ? c.dateLiteralVariable : values.map(() => c.dateLiteralVariable as number | undefined);
  const typeError = (expected: string, quoted: boolean) =>
    soqlError(
      400,
      "INVALID_FIELD",
      soql,
      f.name,
      `value of filter criterion for field '${f.name}' must be of type ${expected} and should ${quoted ? "" : "not "}be enclosed in quotes`,
      whereAt,
    );

  const toLit = (raw: string, type: string, n: number | undefined): Lit => {
    const t = type.toUpperCase();
    if (t === "NULL") return { kind: "null" };
    switch (cat) {
      case "text":
      case "multi":
        if (t !== "STRING") throw typeError("string", true);
        return { kind: "value", v: unquote(raw).toLowerCase() };
      case "id": {
        if (t !== "STRING") throw typeError("string", true);
        const s = unquote(raw);
        const id = canonicalId(s);
        if (!id && (op === "=" || op === "!=" || op === "IN" || op === "NOT IN")) {
          throw soqlError(400, "INVALID_QUERY_FILTER_OPERATOR", soql, f.name, `invalid ID field: ${s}`, whereAt);
        }
        return { kind: "value", v: id ?? s };
      }
      case "number": {
        if (t !== "INTEGER" && t !== "DECIMAL" && t !== "DECIMAL_WITH_CURRENCY_PREFIX") throw typeError(f.type === "int" ? "int" : "double", false);
        return { kind: "value", v: Number(raw.replace(/^[A-Z]{3}/, "")) };
      }
      case "boolean":
        if (t !== "BOOLEAN") throw typeError("boolean", false);
        return { kind: "value", v: raw.toUpperCase() === "TRUE" };
      case "datetime":
      case "date": {
        if (t === "DATE_LITERAL" || t === "DATE_N_LITERAL") {
          const [name] = raw.split(":");
          const rng = dateLiteralRange(name!, n ?? (raw.includes(":") ? Number(raw.split(":")[1]) : undefined), now);
          if (!rng) throw soqlError(400, "MALFORMED_QUERY", soql, raw, `unexpected token: '${raw}'`, whereAt);
          return { kind: "range", s: rng[0], e: rng[1] };
        }
        if (t === "DATETIME") {
          const v = parseDateTime(raw);
          if (v === undefined) throw soqlError(400, "MALFORMED_QUERY", soql, raw, `line 1:${whereAt} no viable alternative at character '${raw}'`, whereAt);
          return { kind: "value", v: cat === "date" ? Math.floor(v / 86_400) * 86_400 : v };
        }
        if (t === "DATE") return { kind: "value", v: dateToEpoch(raw) };
        throw typeError(cat === "date" ? "date" : "dateTime", false);
      }
    }
  };
  const lits = values.map((raw, k) => toLit(raw, types[k] ?? "STRING", vars[k]));

  const norm: (v: Value) => string | number | boolean | null =
    cat === "text" ? (v) => (v === null ? null : String(v).toLowerCase()) : cat === "date" ? (v) => (v === null ? null : dateToEpoch(String(v))) : (v) => v;
  const get = (ref: RowRef) => norm(read(ref));

  if (op === "INCLUDES" || op === "EXCLUDES") {
    if (cat !== "multi")
      throw soqlError(
        400,
        "INVALID_FIELD",
        soql,
        f.name,
        `Field ${f.name} is not a multi-select picklist; INCLUDES and EXCLUDES apply to multi-select picklists only`,
        whereAt,
      );
    const groups = lits.map((l) =>
      l.kind === "value"
        ? String(l.v)
            .split(";")
            .map((s) => s.trim())
        : [],
    );
    const includes = (ref: RowRef) => {
      const v = read(ref);
      if (v === null) return false;
      const have = new Set(String(v).toLowerCase().split(";"));
      return groups.some((g) => g.every((x) => have.has(x)));
    };
    return op === "INCLUDES" ? includes : (ref) => !includes(ref);
  }
  if (op === "IN" || op === "NOT IN") {
    const set = new Set(lits.map((l) => (l.kind === "value" ? l.v : null)));
    if (op === "IN") return (ref) => set.has(get(ref));
    return (ref) => !set.has(get(ref));
  }
  const lit = lits[0]!;
  if (op === "LIKE") {
    if (cat !== "text" || lit.kind !== "value") throw soqlError(400, "INVALID_FIELD", soql, f.name, `invalid operator on field '${f.name}': LIKE`, whereAt);
    const pattern = String(lit.v);
    let re = "^";
    for (let k = 0; k < pattern.length; k++) {
      const ch = pattern[k]!;
      if (ch === "\\" && k + 1 < pattern.length) re += pattern[++k]!.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      else if (ch === "%") re += "[\\s\\S]*";
      else if (ch === "_") re += "[\\s\\S]";
      else re += ch.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    const rx = new RegExp(re + "$");
    return (ref) => {
      const v = get(ref);
      return v !== null && rx.test(String(v));
    };
  }
  if (lit.kind === "null") {
    if (op === "=") return (ref) => read(ref) === null;
    if (op === "!=" || op === "<>") return (ref) => read(ref) !== null;
    return () => false;
  }
  if (lit.kind === "range") {
    const { s, e } = lit;
    const inRange = (v: number) => v >= s && v < e;
    switch (op) {
      case "=":
        return (ref) => {
          const v = get(ref);
          return v !== null && inRange(v as number);
        };
      case "!=":
      case "<>":
        return (ref) => {
          const v = get(ref);
          return v === null || !inRange(v as number);
        };
      case "<":
        return (ref) => {
          const v = get(ref);
          return v !== null && (v as number) < s;
        };
      case "<=":
        return (ref) => {
          const v = get(ref);
          return v !== null && (v as number) < e;
        };
      case ">":
        return (ref) => {
          const v = get(ref);
          return v !== null && (v as number) >= e;
        };
      case ">=":
        return (ref) => {
          const v = get(ref);
          return v !== null && (v as number) >= s;
        };
    }
  }
  const x = (lit as { v: string | number | boolean }).v;
  switch (op) {
    case "=":
      return (ref) => get(ref) === x;
    case "!=":
    case "<>":
      return (ref) => get(ref) !== x;
    case "<":
      return (ref) => {
        const v = get(ref);
        return v !== null && v < x;
      };
    case "<=":
      return (ref) => {
        const v = get(ref);
        return v !== null && v <= x;
      };
    case ">":
      return (ref) => {
        const v = get(ref);
        return v !== null && v > x;
      };
    case ">=":
      return (ref) => {
        const v = get(ref);
        return v !== null && v >= x;
      };
  }
  throw soqlError(400, "MALFORMED_QUERY", soql, op, `unexpected token: '${op}'`, whereAt);
}
