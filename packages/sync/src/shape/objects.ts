import { eq } from "drizzle-orm";
import { fieldCatalog, type Transaction } from "@ferry/db";
import { type SalesforceApi, SalesforceClientError, UNSYNCABLE_TYPES } from "@ferry/salesforce";

/** Parents before children, so a child's lookups already exist in Ferry when it lands. */
export { SYNC_OBJECTS, type SyncObject } from "@ferry/salesforce";

export interface DescribedField {
  name: string;
  type: string;
  label?: string;
  length?: number;
  updateable?: boolean;
  custom?: boolean;
  referenceTo?: string[];
}

interface DescribeResult {
  fields: Required<DescribedField>[];
}

const SYSTEM_FIELDS = ["Id", "SystemModstamp", "IsDeleted", "MasterRecordId", "IsConverted", "ConvertedContactId"];

export async function describeObject(api: SalesforceApi, object: string): Promise<DescribedField[]> {
  return describedFields(await api.json<DescribeResult>(describePath(object)));
}

export const describePath = (object: string) => `/sobjects/${object}/describe`;

/** The readable fields of a describe's answer. */
export function describedFields(result: unknown): DescribedField[] {
  return (result as DescribeResult).fields
    .filter((f) => !UNSYNCABLE_TYPES.has(f.type))
    .map((f) => ({ name: f.name, type: f.type, label: f.label, length: f.length, updateable: f.updateable, custom: f.custom, referenceTo: f.referenceTo }));
}

/**
 * The fields read for an object: the tenant's catalog (what "Sync Fields" committed, minus
 * excluded, dropped or retyped ones) when it has one, else every readable field; plus the system
 * fields the engine needs, when the org has them.
 */
export async function selectFields(tx: Transaction, object: string, described: DescribedField[]): Promise<DescribedField[]> {
  const catalog = await tx
    .select({ name: fieldCatalog.fieldName, excluded: fieldCatalog.excluded, state: fieldCatalog.state })
    .from(fieldCatalog)
    .where(eq(fieldCatalog.object, object));
  if (catalog.length === 0) return described;
  const wanted = new Set(catalog.filter((c) => !c.excluded && c.state === "active").map((c) => c.name));
  for (const name of SYSTEM_FIELDS) wanted.add(name);
  return described.filter((f) => wanted.has(f.name));
}

export type FieldValue = string | number | boolean | null;

/**
 * One JSON value per field, the same whether it came from REST JSON or a Bulk CSV cell: numbers as
 * numbers, booleans as booleans, datetimes as ISO-8601 UTC with milliseconds, everything else text;
 * empty and null as null.
 */
export function valueConverter(type: string, field = "a field"): (raw: unknown) => FieldValue {
  // Damaged data stops the page (its transaction rolls back) instead of being stored as something else.
  const malformed = (raw: unknown) => malformedValue(field, type, String(raw));
  switch (type) {
    case "boolean":
      return (raw) => (raw === null || raw === undefined || raw === "" ? null : raw === true || raw === "true");
    case "int":
    case "double":
    case "currency":
    case "percent":
      return (raw) => {
        if (raw === null || raw === undefined || raw === "") return null;
        const n = typeof raw === "number" ? raw : Number(raw);
        if (!Number.isFinite(n)) throw malformed(raw);
        return n;
      };
    case "datetime":
      return (raw) => {
        if (raw === null || raw === undefined || raw === "") return null;
        const d = new Date(String(raw).replace(/\+0000$/, "Z"));
        if (Number.isNaN(d.getTime())) throw malformed(raw);
        return d.toISOString();
      };
    default:
      return (raw) => (raw === null || raw === undefined || raw === "" ? null : String(raw));
  }
}

export interface RecordShape {
  fields: DescribedField[];
  convert: ((raw: unknown) => FieldValue)[];
}

export function recordShape(fields: DescribedField[]): RecordShape {
  return { fields, convert: fields.map((f) => valueConverter(f.type, f.name)) };
}

/** A synced row as the store writes it. */
export interface SyncedRow {
  sfId: string;
  systemModstamp: string | null;
  isDeleted: boolean;
  masterRecordId: string | null;
  convertedToId: string | null;
  fields: Record<string, FieldValue>;
}

export function toSyncedRow(shape: RecordShape, get: (name: string, k: number) => unknown): SyncedRow {
  const fields: Record<string, FieldValue> = {};
  for (let k = 0; k < shape.fields.length; k++) {
    const name = shape.fields[k]!.name;
    fields[name] = shape.convert[k]!(get(name, k));
  }
  return {
    sfId: String(fields.Id),
    systemModstamp: (fields.SystemModstamp as string | null | undefined) ?? null,
    isDeleted: fields.IsDeleted === true,
    masterRecordId: (fields.MasterRecordId as string | null | undefined) ?? null,
    convertedToId: fields.IsConverted === true ? ((fields.ConvertedContactId as string | null | undefined) ?? null) : null,
    fields,
  };
}

const NUMBER_TYPES = new Set(["int", "double", "currency", "percent"]);
/** Decimal notation, what Salesforce writes; `NaN` or `Infinity`, which Postgres would also read, are not numbers here. */
const DECIMAL = "^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$";
/** Prefixed to a cell that is not a number, whose cast then fails naming it (see `malformedCell`). */
const NOT_A_NUMBER = "not a number: ";

const sqlText = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * `valueConverter` in SQL, for a Bulk CSV cell read into the text column `c`: the same JSON value
 * (numbers as numbers, booleans as booleans, datetimes as ISO-8601 UTC with milliseconds — the
 * session's time zone is UTC —, everything else text; empty as null), and a cell that is not a
 * valid value of its type fails the statement.
 */
function sqlValue(type: string, c: string): string {
  if (type === "boolean") return `(NULLIF(${c}, '') = 'true')`;
  if (NUMBER_TYPES.has(type)) {
    return `CASE WHEN coalesce(${c}, '') = '' THEN NULL WHEN ${c} ~ '${DECIMAL}' THEN ${c}::numeric ELSE (${sqlText(NOT_A_NUMBER)} || ${c})::numeric END`;
  }
  if (type === "datetime") return `to_char(NULLIF(${c}, '')::timestamptz, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  return `NULLIF(${c}, '')`;
}

/** How a page of Bulk CSV becomes staged rows in Postgres. */
export interface CsvStage {
  /** Columns of the page's header: the text table the records are copied into has as many. */
  columns: number;
  /** The view `sync_stage` over `sync_csv`: each record converted as the store reads it. */
  view: string;
  /** Counts of the records in `sync_csv`, read off the raw cells (no conversion runs). */
  counts: string;
  /** Per field whose cells can fail to convert: the expression alone, to find a failing cell's field. */
  checks: { field: string; type: string; expression: string }[];
}

/** Postgres truncates longer identifiers: a field name that long cannot be a column alias. */
const MAX_IDENTIFIER_BYTES = 63;

/**
 * The staging view of a page with this header: each shape field's cell converted as `toSyncedRow`
 * converts it, the fields' JSON built by Postgres (no record is parsed in JavaScript), and the
 * system columns the store keys on. A shape field missing from the header is null. The JSON is
 * `to_jsonb` of a row whose columns are named after the fields, which costs a third less than
 * `jsonb_build_object` over the same pairs; names too long to be column names take the latter.
 */
export function csvStage(shape: RecordShape, header: string[]): CsvStage {
  const at = new Map(header.map((name, i) => [name, `c${i + 1}`]));
  const cell = (name: string) => at.get(name) ?? "NULL::text";
  const typeOf = new Map(shape.fields.map((f) => [f.name, f.type]));
  const has = (name: string) => typeOf.has(name) && at.has(name);
  const value = (f: DescribedField) => (at.has(f.name) ? sqlValue(f.type, cell(f.name)) : "NULL::text");
  let fields: string;
  let from = "sync_csv";
  if (shape.fields.length === 0) fields = "'{}'::jsonb";
  else if (shape.fields.every((f) => Buffer.byteLength(f.name) <= MAX_IDENTIFIER_BYTES)) {
    from = `sync_csv, LATERAL (SELECT ${shape.fields.map((f) => `${value(f)} AS "${f.name.replace(/"/g, '""')}"`).join(", ")}) f`;
    fields = "to_jsonb(f)";
  } else {
    // jsonb_build_object takes at most 100 arguments: 50 fields each, joined.
    const pairs = shape.fields.map((f) => `${sqlText(f.name)}, ${value(f)}`);
    const objects: string[] = [];
    for (let k = 0; k < pairs.length; k += 50) objects.push(`jsonb_build_object(${pairs.slice(k, k + 50).join(", ")})`);
    fields = objects.join(" || ");
  }
  const deleted = has("IsDeleted") ? `coalesce(${cell("IsDeleted")} = 'true', false)` : "false";
  const convertedTo =
    has("IsConverted") && has("ConvertedContactId")
      ? `CASE WHEN ${cell("IsConverted")} = 'true' THEN NULLIF(${cell("ConvertedContactId")}, '') END`
      : "NULL::text";
  const view = `CREATE TEMP VIEW sync_stage AS SELECT
      NULLIF(${cell("Id")}, '') AS sf_id,
      ${has("SystemModstamp") ? `NULLIF(${cell("SystemModstamp")}, '')::timestamptz` : "NULL::timestamptz"} AS system_modstamp,
      ${deleted} AS is_deleted,
      ${has("MasterRecordId") ? `NULLIF(${cell("MasterRecordId")}, '')` : "NULL::text"} AS master_record_id,
      ${convertedTo} AS converted_to_id,
      ${fields} AS fields
    FROM ${from}`;
  const counts = `SELECT count(*)::int AS count, count(NULLIF(${cell("Id")}, ''))::int AS ids,
      count(*) FILTER (WHERE ${deleted})::int AS deleted, count(${convertedTo})::int AS converted FROM sync_csv`;
  const checks = shape.fields
    .filter((f) => at.has(f.name) && (NUMBER_TYPES.has(f.type) || f.type === "datetime"))
    .map((f) => ({ field: f.name, type: f.type, expression: sqlValue(f.type, cell(f.name)) }));
  return { columns: header.length, view, counts, checks };
}

function malformedValue(field: string, type: string, raw: string): SalesforceClientError {
  return new SalesforceClientError("MALFORMED_RESPONSE", `Salesforce sent ${JSON.stringify(raw).slice(0, 60)} for ${field}, which is not a valid ${type}`);
}

/** The error a cell that failed to convert in SQL becomes, the same as `valueConverter`'s: the database's message quotes the cell. */
export function malformedCell(field: string, type: string, databaseMessage: string): SalesforceClientError {
  const quoted = /"(.*)"\s*$/.exec(databaseMessage)?.[1];
  const raw = quoted === undefined ? databaseMessage : quoted.startsWith(NOT_A_NUMBER) ? quoted.slice(NOT_A_NUMBER.length) : quoted;
  return malformedValue(field, type, raw);
}

/** `SystemModstamp` as a SOQL datetime literal. */
export function soqlDateTime(iso: string): string {
  return new Date(iso).toISOString();
}

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
