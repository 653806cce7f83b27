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
  const malformed = (raw: unknown) =>
    new SalesforceClientError("MALFORMED_RESPONSE", `Salesforce sent ${JSON.stringify(String(raw)).slice(0, 60)} for ${field}, which is not a valid ${type}`);
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

/** Bulk CSV rows as arrays: the header's positions of the shape's fields are looked up once per page. */
export function csvRowReader(shape: RecordShape, header: string[]): (cells: string[]) => SyncedRow {
  const at = new Map(header.map((name, i) => [name, i]));
  const positions = shape.fields.map((f) => at.get(f.name) ?? -1);
  return (cells) => toSyncedRow(shape, (_, k) => (positions[k]! < 0 ? undefined : cells[positions[k]!]));
}

/** `SystemModstamp` as a SOQL datetime literal. */
export function soqlDateTime(iso: string): string {
  return new Date(iso).toISOString();
}

export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}
