import { composeQuery, parseQuery, type Query } from "@jetstreamapp/soql-parser-js";
import { ApiError } from "../errors";
import { soqlError } from "./errors";
import { canonicalId, decodeId } from "../ids";
import { dateToEpoch, parseDateTime, type EpochSeconds } from "../time";
import { Schema, type FieldDef } from "../schema";
import type { Value } from "../data/generator";
import type { Org, OrgUser } from "../data/org";
import type { RowRef, SObjectTable, SortKey } from "../data/table";
import { dateLiteralRange } from "./dates";
import { compileComparison, unquote } from "./filter";
import { scanRows } from "./execute";

export type Reader = (ref: RowRef) => Value;

export interface Column {
  /** Describe-cased path as it appears in CSV headers, e.g. `Owner.Name`. */
  path: string;
  field: FieldDef;
  read: Reader;
}

export type OutputEntry =
  | { kind: "field"; name: string; field: FieldDef; read: Reader }
  | { kind: "parent"; name: string; fk: Reader; target: SObjectTable; node: OutputNode }
  /** A parent-to-child subquery: the child plan runs once per parent row over the rows pointing at it. */
  | { kind: "children"; name: string; fkField: string; plan: QueryPlan };

export interface OutputNode {
  table: SObjectTable;
  entries: OutputEntry[];
}

export interface OrderTerm {
  read: Reader;
  desc: boolean;
  nullsFirst: boolean;
  fieldName: string;
  isPathOfRoot: boolean;
}

export interface QueryPlan {
  soql: string;
  table: SObjectTable;
  isCount: boolean;
  columns: Column[];
  output: OutputNode;
  predicate: ((ref: RowRef) => boolean) | null;
  /** Generated-row index range the predicate can possibly match. */
  range: [number, number];
  order: OrderTerm[];
  /** Set when generated index order already is the requested order. */
  fastKey: SortKey | null;
  fastDesc: boolean;
  limit: number | undefined;
  offset: number;
  /** Set for GROUP BY / aggregate-function queries (results are AggregateResult rows). */
  aggregate?: AggregateSpec;
}

export type AggregateFn = "COUNT" | "COUNT_DISTINCT" | "SUM" | "AVG" | "MIN" | "MAX";

export interface AggregateSpec {
  groups: { name: string; field: FieldDef; read: Reader }[];
  /** SELECT items in order: a group column by index, or an aggregate over a field. */
  items: ({ kind: "group"; index: number; name: string } | { kind: "fn"; fn: AggregateFn; name: string; field: FieldDef; read: Reader })[];
  /** ORDER BY over group columns, as indexes into `groups`. */
  order: { index: number; desc: boolean; nullsFirst: boolean }[];
}

/* Minimal views of the parser's output; it is untyped enough that we narrow by hand. */
export interface PCondition {
  field?: string;
  fn?: unknown;
  operator?: string;
  value?: string | string[];
  literalType?: string | string[];
  dateLiteralVariable?: number | number[];
  valueQuery?: unknown;
  openParen?: number;
  closeParen?: number;
}
interface PWhere {
  left?: PCondition | null;
  operator?: string;
  right?: PWhere | null;
}
interface PSubquery {
  relationshipName: string;
  [key: string]: unknown;
}
interface PField {
  type: string;
  subquery?: PSubquery;
  isAggregateFn?: boolean;
  alias?: string;
  field?: string;
  relationships?: string[];
  functionName?: string;
  parameters?: unknown[];
  rawValue?: string;
}
interface POrder {
  field?: string;
  fn?: unknown;
  order?: string;
  nulls?: string;
}
interface PQuery {
  fields?: PField[];
  sObject?: string;
  sObjectAlias?: string;
  where?: PWhere;
  orderBy?: POrder | POrder[];
  limit?: number;
  offset?: number;
  groupBy?: { field?: string } | { field?: string }[];
  having?: unknown;
}

const noSuchColumn = (name: string, entity: string) =>
  `No such column '${name}' on entity '${entity}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
const noSuchRelation = (name: string) =>
  `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`;

export { soqlError };

export interface CompileContext {
  org: Org;
  user: OrgUser | undefined;
  /** Bulk API 2.0 rejects OFFSET and a few other shapes. */
  bulk?: boolean;
  /** Compiling a subquery: subqueries do not nest. */
  nested?: boolean;
}

export function compileQuery(soql: string, ctx: CompileContext): QueryPlan {
  const { org, user } = ctx;
  let q: PQuery;
  try {
    q = parseQuery(soql) as unknown as PQuery;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const found = /but found: '([^']*)'/.exec(msg)?.[1];
    return throwing(soqlError(400, "MALFORMED_QUERY", soql, found || undefined, `unexpected token: ${found ? `'${found}'` : "<EOF>"}`));
  }
  if (!q.sObject) throw soqlError(400, "MALFORMED_QUERY", soql, undefined, "unexpected token: <EOF>");
  const fromAt = Math.max(0, soql.search(/\bfrom\b/i));
  const table = org.table(q.sObject);
  if (!table) {
    throw soqlError(
      400,
      "INVALID_TYPE",
      soql,
      q.sObject,
      `sObject type '${q.sObject}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      fromAt,
    );
  }
  if (q.having) throw soqlError(400, "MALFORMED_QUERY", soql, "HAVING", "HAVING is not supported by the emulator");
  const alias = q.sObjectAlias?.toLowerCase();
  const splitPath = (raw: string): string[] => {
    const parts = raw.split(".");
    if (alias && parts.length > 1 && parts[0]!.toLowerCase() === alias) parts.shift();
    return parts;
  };

  const resolvePath = (
    parts: string[],
    rawForError: string,
    from = 0,
  ): { read: Reader; field: FieldDef; path: string[]; links: { fk: Reader; target: SObjectTable; rel: string }[] } => {
    let current = table;
    const links: { fk: Reader; target: SObjectTable; rel: string }[] = [];
    for (const rel of parts.slice(0, -1)) {
      const fkField = Schema.relationship(current.def, rel);
      const visible = fkField && org.access(user, current.def.name, fkField.name) !== "hidden";
      const targetName = fkField?.referenceTo.find((t) => org.table(t));
      if (!fkField || !visible || !targetName) throw soqlError(400, "INVALID_FIELD", soql, rawForError, noSuchRelation(rel), from);
      const target = org.table(targetName)!;
      links.push({ fk: current.reader(fkField.name), target, rel: fkField.relationshipName! });
      current = target;
    }
    const leafName = parts[parts.length - 1]!;
    const f = org.visibleField(user, current.def, leafName);
    if (!f) throw soqlError(400, "INVALID_FIELD", soql, rawForError, noSuchColumn(leafName, current.def.name), from);
    const leaf = current.reader(f.name);
    const read: Reader =
      links.length === 0
        ? leaf
        : (ref) => {
            let r: RowRef | undefined = ref;
            for (const link of links) {
              const id = link.fk(r);
              if (id === null) return null;
              r = link.target.rowById(id as string);
              if (r === undefined) return null;
            }
            return leaf(r);
          };
    return { read, field: f, path: [...links.map((l) => l.rel), f.name], links };
  };

  // SELECT list
  const columns: Column[] = [];
  const output: OutputNode = { table, entries: [] };
  let isCount = false;
  const aggregates: { fn: AggregateFn; name: string; field: FieldDef; read: Reader; position: number }[] = [];
  const selectOrder: { kind: "column" | "fn"; index: number }[] = [];
  const addColumn = (parts: string[], raw: string) => {
    const r = resolvePath(parts, raw);
    if (ctx.bulk && r.field.type === "address") throw new ApiError(400, "API_ERROR", "Selecting compound data not supported in Bulk Query");
    const path = r.path.join(".");
    if (columns.some((c) => c.path.toLowerCase() === path.toLowerCase())) return;
    columns.push({ path, field: r.field, read: r.read });
    let node = output;
    let nodeTable = table;
    for (const link of r.links) {
      let entry = node.entries.find((e): e is Extract<OutputEntry, { kind: "parent" }> => e.kind === "parent" && e.name === link.rel);
      if (!entry) {
        entry = {
          kind: "parent",
          name: link.rel,
          fk: nodeTable.reader(Schema.relationship(nodeTable.def, link.rel)!.name),
          target: link.target,
          node: { table: link.target, entries: [] },
        };
        node.entries.push(entry);
      }
      node = entry.node;
      nodeTable = link.target;
    }
    node.entries.push({ kind: "field", name: r.field.name, field: r.field, read: nodeTable.reader(r.field.name) });
  };
  for (const f of q.fields ?? []) {
    const fnName = f.functionName?.toUpperCase() as AggregateFn | undefined;
    if (f.type === "Field" || f.type === "FieldRelationship") selectOrder.push({ kind: "column", index: columns.length });
    if (f.type === "Field") addColumn(splitPath(f.field!), f.field!);
    else if (f.type === "FieldRelationship") addColumn(splitPath(f.rawValue ?? [...(f.relationships ?? []), f.field].join(".")), f.rawValue ?? f.field!);
    else if (f.type === "FieldFunctionExpression" && fnName === "COUNT" && (f.parameters ?? []).length === 0) isCount = true;
    else if (
      f.type === "FieldFunctionExpression" &&
      f.isAggregateFn &&
      fnName &&
      ["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"].includes(fnName) &&
      (f.parameters ?? []).length === 1 &&
      typeof f.parameters![0] === "string"
    ) {
      if (ctx.bulk) throw soqlError(400, "MALFORMED_QUERY", soql, f.rawValue, "Aggregate functions are not supported in Bulk API 2.0 queries");
      const param = f.parameters![0] as string;
      const r = resolvePath(splitPath(param), param);
      if ((fnName === "SUM" || fnName === "AVG") && !["int", "double", "currency", "percent"].includes(r.field.type)) {
        throw soqlError(400, "MALFORMED_QUERY", soql, param, `field ${r.field.name} does not support aggregate operator ${fnName}`);
      }
      selectOrder.push({ kind: "fn", index: aggregates.length });
      aggregates.push({ fn: fnName, name: f.alias ?? "", field: r.field, read: r.read, position: aggregates.length });
    } else if (f.type === "FieldFunctionExpression" && f.functionName?.toUpperCase() === "FIELDS") {
      const which = String((f.parameters ?? [])[0] ?? "").toUpperCase();
      if (which !== "STANDARD" && (q.limit === undefined || q.limit > 200)) {
        throw soqlError(400, "MALFORMED_QUERY", soql, "FIELDS", "The SOQL FIELDS function must have a LIMIT of at most 200");
      }
      for (const fd of org.visibleFields(user, table.def)) {
        if (ctx.bulk && fd.type === "address") continue;
        if (which === "ALL" || (which === "CUSTOM" && fd.custom) || (which === "STANDARD" && !fd.custom)) addColumn([fd.name], fd.name);
      }
    } else if (f.type === "FieldSubquery" && f.subquery && !ctx.bulk && !ctx.nested) {
      const sub = f.subquery;
      const rel = org.schema.childRelationships(table.def).find((c) => c.relationshipName?.toLowerCase() === sub.relationshipName.toLowerCase());
      if (!rel || !rel.relationshipName || org.access(user, rel.childSObject, rel.field) === "hidden") {
        throw soqlError(
          400,
          "INVALID_TYPE",
          soql,
          sub.relationshipName,
          `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      const { relationshipName: _rel, ...rest } = sub;
      const childSoql = composeQuery({ ...rest, sObject: rel.childSObject } as unknown as Query);
      output.entries.push({ kind: "children", name: rel.relationshipName, fkField: rel.field, plan: compileQuery(childSoql, { ...ctx, nested: true }) });
    } else if (f.type === "FieldSubquery") {
      throw soqlError(
        400,
        "MALFORMED_QUERY",
        soql,
        "(SELECT",
        ctx.bulk ? "Parent-to-child subqueries are not supported in Bulk API 2.0 queries" : "Subqueries cannot be nested",
      );
    } else {
      throw soqlError(
        400,
        "MALFORMED_QUERY",
        soql,
        f.rawValue ?? f.functionName,
        `Aggregate and function expressions other than COUNT() are not supported by the emulator: ${f.rawValue ?? f.functionName ?? f.type}`,
      );
    }
  }
  const groupList = q.groupBy === undefined ? [] : Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy];
  let aggregate: AggregateSpec | undefined;
  if (aggregates.length || groupList.length) {
    if (isCount) throw soqlError(400, "MALFORMED_QUERY", soql, "count", "COUNT() cannot be used with GROUP BY or other aggregate functions");
    const groups = groupList.map((g) => {
      if (!g.field) throw soqlError(400, "MALFORMED_QUERY", soql, "GROUP", "GROUP BY supports fields only in the emulator");
      const r = resolvePath(splitPath(g.field), g.field);
      return { path: r.path.join(".").toLowerCase(), name: r.field.name, field: r.field, read: r.read };
    });
    let unnamed = 0;
    const items: AggregateSpec["items"] = selectOrder.map((item) => {
      if (item.kind === "fn") {
        const a = aggregates[item.index]!;
        return { kind: "fn", fn: a.fn, name: a.name || `expr${unnamed++}`, field: a.field, read: a.read };
      }
      const col = columns[item.index]!;
      const index = groups.findIndex((g) => g.path === col.path.toLowerCase());
      if (index < 0) throw soqlError(400, "MALFORMED_QUERY", soql, col.path, `Field must be grouped or aggregated: ${col.field.name}`);
      return { kind: "group", index, name: col.field.name };
    });
    const orderTerms = (q.orderBy === undefined ? [] : Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]).map((o) => {
      const index = groups.findIndex((g) => o.field !== undefined && g.path === o.field.toLowerCase());
      if (index < 0) throw soqlError(400, "MALFORMED_QUERY", soql, "ORDER", "In aggregate queries the emulator orders by GROUP BY fields only");
      const desc = o.order?.toUpperCase() === "DESC";
      return { index, desc, nullsFirst: o.nulls ? o.nulls.toUpperCase() === "FIRST" : !desc };
    });
    aggregate = { groups, items, order: orderTerms };
  }
  if (isCount && columns.length) throw soqlError(400, "MALFORMED_QUERY", soql, "count", "COUNT() may not be combined with other fields in the SELECT list");
  if (!isCount && !aggregate && !columns.length && !output.entries.length) throw soqlError(400, "MALFORMED_QUERY", soql, "FROM", "unexpected token: 'FROM'");

  /** `Id IN (SELECT LeadId FROM CampaignMember …)`: the inner query runs once, at compile time, like a snapshot. */
  const semiJoinValues = (inner: unknown): Set<Value> => {
    if (ctx.nested) throw soqlError(400, "MALFORMED_QUERY", soql, "(SELECT", "Semi-join subqueries cannot be nested");
    const innerPlan = compileQuery(composeQuery(inner as Query), { ...ctx, nested: true });
    if (innerPlan.columns.length !== 1 || innerPlan.isCount)
      throw soqlError(400, "MALFORMED_QUERY", soql, "(SELECT", "A semi-join subquery must select exactly one field");
    const col = innerPlan.columns[0]!;
    const values = new Set<Value>();
    for (const ref of scanRows(org, innerPlan, { allRows: false })) values.add(col.read(ref));
    values.delete(null);
    return values;
  };

  // WHERE
  const whereAt = Math.max(0, soql.search(/\bwhere\b/i));
  const now = org.now();
  let predicate: QueryPlan["predicate"] = null;
  let range: [number, number] = [0, table.generatedCount];
  if (q.where) {
    const tokens: (string | PCondition)[] = [];
    for (let node: PWhere | null | undefined = q.where; node; node = node.right) {
      const left = node.left;
      if (left) {
        for (let k = 0; k < (left.openParen ?? 0); k++) tokens.push("(");
        if (left.field !== undefined || left.fn !== undefined) tokens.push(left);
        for (let k = 0; k < (left.closeParen ?? 0); k++) tokens.push(")");
      }
      if (node.operator) tokens.push(node.operator.toUpperCase());
    }
    let pos = 0;
    type Node = { test: (ref: RowRef) => boolean; range: [number, number] };
    const full: [number, number] = [0, table.generatedCount];
    const parseOr = (): Node => {
      let left = parseAnd();
      while (tokens[pos] === "OR") {
        pos++;
        const right = parseAnd();
        const a = left;
        left = { test: (r) => a.test(r) || right.test(r), range: [Math.min(a.range[0], right.range[0]), Math.max(a.range[1], right.range[1])] };
      }
      return left;
    };
    const parseAnd = (): Node => {
      let left = parseUnary();
      while (tokens[pos] === "AND") {
        pos++;
        const right = parseUnary();
        const a = left;
        left = { test: (r) => a.test(r) && right.test(r), range: [Math.max(a.range[0], right.range[0]), Math.min(a.range[1], right.range[1])] };
      }
      return left;
    };
    const parseUnary = (): Node => {
      const t = tokens[pos++];
      if (t === "NOT") {
        const inner = parseUnary();
        return { test: (r) => !inner.test(r), range: full };
      }
      if (t === "(") {
        const inner = parseOr();
        if (tokens[pos++] !== ")") throw soqlError(400, "MALFORMED_QUERY", soql, undefined, "unexpected token: <EOF>");
        return inner;
      }
      if (t === undefined || typeof t === "string")
        throw soqlError(400, "MALFORMED_QUERY", soql, typeof t === "string" ? t : undefined, `unexpected token: ${t ?? "<EOF>"}`, whereAt);
      return compileCondition(t);
    };
    const compileCondition = (c: PCondition): Node => {
      if (c.fn !== undefined || c.field === undefined)
        throw soqlError(400, "MALFORMED_QUERY", soql, "WHERE", "Functions in WHERE are not supported by the emulator");
      const r = resolvePath(splitPath(c.field), c.field, whereAt);
      if (r.field.type === "address")
        throw soqlError(400, "INVALID_FIELD", soql, c.field, `field '${r.field.name}' can not be filtered in query call`, whereAt);
      const op = (c.operator ?? "=").toUpperCase();
      const test = compileComparison(soql, whereAt, r.field, r.read, op, c, now, c.valueQuery === undefined ? undefined : semiJoinValues(c.valueQuery));
      let nodeRange = full;
      if (r.links.length === 0) {
        const key = (["Id", "SystemModstamp", "LastModifiedDate", "CreatedDate"] as const).find((k) => k === r.field.name);
        if (key && ["=", "<", "<=", ">", ">="].includes(op) && !Array.isArray(c.value)) {
          nodeRange = keyRange(table, key, op, c, now) ?? full;
        }
      }
      return { test, range: nodeRange };
    };
    const root = parseOr();
    if (pos !== tokens.length) throw soqlError(400, "MALFORMED_QUERY", soql, undefined, `unexpected token: ${String(tokens[pos])}`);
    predicate = root.test;
    range = [Math.max(0, root.range[0]), Math.min(table.generatedCount, root.range[1])];
  }

  // ORDER BY
  const orderAt = Math.max(0, soql.search(/\border\s+by\b/i));
  const orderList = q.orderBy === undefined || aggregate ? [] : Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy];
  const order: OrderTerm[] = orderList.map((o) => {
    if (!o.field) throw soqlError(400, "MALFORMED_QUERY", soql, "ORDER", "Functions in ORDER BY are not supported by the emulator");
    const r = resolvePath(splitPath(o.field), o.field, orderAt);
    if (r.field.type === "address") throw soqlError(400, "INVALID_FIELD", soql, o.field, `field '${r.field.name}' can not be sorted in a query call`, orderAt);
    const desc = o.order?.toUpperCase() === "DESC";
    const nullsFirst = o.nulls ? o.nulls.toUpperCase() === "FIRST" : !desc;
    return { read: r.read, desc, nullsFirst, fieldName: r.field.name, isPathOfRoot: r.links.length === 0 };
  });
  let fastKey: SortKey | null = null;
  let fastDesc = false;
  if (order.length === 0) fastKey = "Id";
  else {
    const first = order[0]!;
    const sameDir = order.every((o) => o.desc === first.desc);
    const k = first.fieldName as SortKey;
    const monotonic = first.isPathOfRoot && ["Id", "SystemModstamp", "LastModifiedDate", "CreatedDate"].includes(k);
    const rest = order.slice(1);
    const restOk = k === "Id" ? rest.length === 0 : rest.length === 0 || (rest.length === 1 && rest[0]!.fieldName === "Id" && rest[0]!.isPathOfRoot);
    if (monotonic && sameDir && restOk) {
      fastKey = k;
      fastDesc = first.desc;
    }
  }

  if (q.offset !== undefined && ctx.bulk) throw soqlError(400, "MALFORMED_QUERY", soql, "OFFSET", "OFFSET is not supported in Bulk API 2.0 queries");
  if (q.offset !== undefined && q.offset > 2000) throw new ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000");
  return {
    soql,
    table,
    isCount,
    columns,
    output,
    predicate,
    range,
    order,
    fastKey,
    fastDesc,
    limit: q.limit,
    offset: q.offset ?? 0,
    ...(aggregate ? { aggregate } : {}),
  };
}

function throwing(e: Error): never {
  throw e;
}

/** Generated-row range implied by a comparison on a key that grows with the row index. */
function keyRange(table: SObjectTable, key: SortKey, op: string, c: PCondition, now: EpochSeconds): [number, number] | undefined {
  const raw = String(c.value);
  const type = String(c.literalType).toUpperCase();
  if (key === "Id") {
    const id = canonicalId(unquote(raw));
    const d = id && decodeId(id);
    if (!d || d.prefix !== table.def.keyPrefix) return undefined;
    return table.generatedRange("Id", op, d.counter);
  }
  if (type === "DATETIME") {
    const v = parseDateTime(raw);
    return v === undefined ? undefined : table.generatedRange(key, op, v);
  }
  if (type === "DATE") return table.generatedRange(key, op, dateToEpoch(raw));
  if (type === "DATE_LITERAL" || type === "DATE_N_LITERAL") {
    const n = typeof c.dateLiteralVariable === "number" ? c.dateLiteralVariable : undefined;
    const rng = dateLiteralRange(raw.split(":")[0]!, n, now);
    if (!rng) return undefined;
    const [s, e] = rng;
    switch (op) {
      case "=":
        return [table.generatedRange(key, ">=", s)[0], table.generatedRange(key, "<", e)[1]];
      case "<":
        return table.generatedRange(key, "<", s);
      case "<=":
        return table.generatedRange(key, "<", e);
      case ">":
        return table.generatedRange(key, ">=", e);
      case ">=":
        return table.generatedRange(key, ">=", s);
    }
  }
  return undefined;
}
