import { randomBytes } from "node:crypto";
import { ApiError } from "../errors";
import { encodeCounter, KEY_PREFIX } from "../ids";
import type { RowRef } from "../data/table";
import { compileQuery, type OutputNode, type QueryPlan } from "../soql/compile";
import type { FieldDef } from "../schema";
import { runQuery } from "../soql/execute";
import { runAggregate } from "../soql/aggregate";
import type { EmulatorContext } from "./context";
import { json, JSON_TYPE, type Req, type Res } from "./http";
import { recordJsonWriter } from "./serialize";
import type { Session } from "./sessions";

interface Cursor {
  id: string;
  userId: string;
  plan: QueryPlan;
  rows: RowRef[];
  totalSize: number;
  batchSize: number;
  lastUsed: number;
}

const MAX_CURSORS_PER_USER = 10;

/** Server-side query cursors: each locator carries its own rows and batch size, expires when idle. */
export class QueryCursors {
  private readonly cursors = new Map<string, Cursor>();
  private seq = 0;

  constructor(private readonly idleMs: () => number) {}

  open(userId: string, plan: QueryPlan, rows: RowRef[], totalSize: number, batchSize: number): Cursor {
    this.sweep();
    const mine = [...this.cursors.values()].filter((c) => c.userId === userId).sort((a, b) => a.lastUsed - b.lastUsed);
    while (mine.length >= MAX_CURSORS_PER_USER) this.cursors.delete(mine.shift()!.id);
    const id = `${KEY_PREFIX.QueryLocator}HE0${encodeCounter(++this.seq, 8)}${randomBytes(2).toString("hex").toUpperCase()}`;
    const c: Cursor = { id, userId, plan, rows, totalSize, batchSize, lastUsed: Date.now() };
    this.cursors.set(id, c);
    return c;
  }

  get(id: string, userId: string): Cursor | undefined {
    this.sweep();
    const c = this.cursors.get(id);
    if (!c || c.userId !== userId) return undefined;
    c.lastUsed = Date.now();
    return c;
  }

  close(id: string): void {
    this.cursors.delete(id);
  }

  clear(): void {
    this.cursors.clear();
  }

  private sweep(): void {
    const limit = Date.now() - this.idleMs();
    for (const [id, c] of this.cursors) if (c.lastUsed < limit) this.cursors.delete(id);
  }
}

export function batchSizeFrom(req: Req): number {
  const h = req.headers["sforce-query-options"];
  const m = /batchSize\s*=\s*(\d+)/i.exec(Array.isArray(h) ? h.join(",") : (h ?? ""));
  if (!m) return 2000;
  return Math.min(2000, Math.max(200, Number(m[1])));
}

function page(cursor: Cursor, offset: number, version: string): { body: string; records: number; done: boolean } {
  const { plan, rows } = cursor;
  const end = Math.min(rows.length, offset + cursor.batchSize);
  const write = recordJsonWriter(plan.output, version);
  const records = new Array<string>(end - offset);
  for (let k = offset; k < end; k++) records[k - offset] = write(rows[k]!);
  const done = end >= rows.length;
  const next = done ? "" : `,"nextRecordsUrl":"/services/data/v${version}/query/${cursor.id}-${end}"`;
  return { body: `{"totalSize":${cursor.totalSize},"done":${done}${next},"records":[${records.join(",")}]}`, records: records.length, done };
}

const jsonText = (body: string): Res => ({ status: 200, headers: { "Content-Type": JSON_TYPE }, body });

export function runRestQuery(ctx: EmulatorContext, cursors: QueryCursors, req: Req, session: Session, version: string, allRows: boolean): Res {
  const q = req.url.searchParams.get("q");
  if (req.url.searchParams.has("explain")) {
    const plan = compileQuery(req.url.searchParams.get("explain") ?? "", { org: ctx.org, user: session.user });
    return json(200, {
      plans: [
        {
          cardinality: plan.table.generatedCount,
          fields: [],
          leadingOperationType: plan.fastKey ? "Index" : "TableScan",
          notes: [],
          relativeCost: plan.fastKey ? 0.1 : 1.2,
          sobjectCardinality: plan.table.generatedCount,
          sobjectType: plan.table.def.name,
        },
      ],
    });
  }
  if (!q) throw new ApiError(400, "MALFORMED_QUERY", "A query string has to be specified");
  const plan = compileQuery(q, { org: ctx.org, user: session.user });
  if (req.url.searchParams.get("columns") === "true") return json(200, queryColumns(plan));
  if (plan.aggregate) {
    const records = runAggregate(ctx.org, { ...plan, aggregate: plan.aggregate }, allRows);
    return { ...json(200, { totalSize: records.length, done: true, records }), records: records.length };
  }
  const { rows, totalSize } = runQuery(ctx.org, plan, { allRows });
  if (plan.isCount) return json(200, { totalSize, done: true, records: [] });
  const cursor = cursors.open(session.user.id, plan, rows, totalSize, batchSizeFrom(req));
  const p = page(cursor, 0, version);
  if (p.done) cursors.close(cursor.id);
  return { ...jsonText(p.body), records: p.records };
}

export function queryMore(cursors: QueryCursors, session: Session, locator: string, version: string): Res {
  const m = /^(01g\w+)-(\d+)$/.exec(locator);
  const cursor = m ? cursors.get(m[1]!, session.user.id) : undefined;
  if (!m || !cursor) throw new ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
  const offset = Number(m[2]);
  if (offset > cursor.rows.length) throw new ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator");
  const p = page(cursor, offset, version);
  return { ...jsonText(p.body), records: p.records };
}

const APEX_TYPE: Record<string, string> = {
  id: "Id",
  reference: "Id",
  boolean: "Boolean",
  int: "Integer",
  double: "Double",
  currency: "Decimal",
  percent: "Double",
  date: "Date",
  datetime: "Datetime",
  address: "Address",
  location: "Location",
};

interface ColumnMetadata {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
}

function fieldColumn(f: FieldDef, displayName: string): ColumnMetadata {
  const apexType = APEX_TYPE[f.type] ?? "String";
  return {
    aggregate: false,
    apexType,
    booleanType: f.type === "boolean",
    columnName: f.name,
    custom: f.custom,
    displayName,
    foreignKeyName: null,
    insertable: f.createable,
    joinColumns: [],
    numberType: ["int", "double", "currency", "percent"].includes(f.type),
    textType: apexType === "String",
    updatable: f.updateable,
  };
}

function nodeColumns(node: OutputNode, prefix: string): ColumnMetadata[] {
  return node.entries.map((e): ColumnMetadata => {
    const display = prefix + e.name;
    if (e.kind === "field") return fieldColumn(e.field, display);
    const joinColumns = e.kind === "parent" ? nodeColumns(e.node, `${display}.`) : nodeColumns(e.plan.output, "");
    // A child subquery is reported as an aggregate column, a parent path as a plain one with join columns.
    return {
      ...fieldColumn({ name: e.name, type: "reference", custom: false, createable: false, updateable: false } as FieldDef, display),
      apexType: null,
      aggregate: e.kind === "children",
      joinColumns,
    };
  });
}

/**
 * `query?q=…&columns=true`: the column layout of a query without running it, as the Developer Console
 * and `sf data query` read it (undocumented by Salesforce; shape taken from real responses).
 */
export function queryColumns(plan: QueryPlan) {
  const fnColumn = (name: string, fn: string, field: string): ColumnMetadata => ({
    aggregate: true,
    apexType: fn === "COUNT" || fn === "COUNT_DISTINCT" ? "Integer" : null,
    booleanType: false,
    columnName: name,
    custom: false,
    displayName: `${fn}(${field})`,
    foreignKeyName: null,
    insertable: false,
    joinColumns: [],
    numberType: true,
    textType: false,
    updatable: false,
  });
  const columnMetadata = plan.aggregate
    ? plan.aggregate.items.map((i) => (i.kind === "group" ? fieldColumn(plan.aggregate!.groups[i.index]!.field, i.name) : fnColumn(i.name, i.fn, i.field.name)))
    : nodeColumns(plan.output, "");
  return {
    columnMetadata,
    entityName: plan.table.def.name,
    groupBy: Boolean(plan.aggregate?.groups.length),
    idSelected: plan.columns.some((c) => c.path === "Id"),
    keyPrefix: plan.table.def.keyPrefix,
  };
}
