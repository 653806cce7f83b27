import { createHash } from "node:crypto";
import avro from "avsc";
import type { Value } from "../data/generator";
import type { FieldDef, ObjectDef } from "../schema";
import { dateToEpoch } from "../time";
import type { ChangeEventHeader } from "./capture";

const NS = "com.sforce.eventbus";

/** The ChangeEventHeader record as Salesforce's change event schemas declare it. */
const HEADER_TYPE = {
  type: "record",
  name: "ChangeEventHeader",
  namespace: NS,
  fields: [
    { name: "entityName", type: "string" },
    { name: "recordIds", type: { type: "array", items: "string" } },
    {
      name: "changeType",
      type: {
        type: "enum",
        name: "ChangeType",
        namespace: NS,
        symbols: ["CREATE", "UPDATE", "DELETE", "UNDELETE", "GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE", "GAP_OVERFLOW", "SNAPSHOT"],
      },
    },
    { name: "changeOrigin", type: "string" },
    { name: "transactionKey", type: "string" },
    { name: "sequenceNumber", type: "int" },
    { name: "commitTimestamp", type: "long" },
    { name: "commitNumber", type: "long" },
    { name: "commitUser", type: "string" },
    { name: "nulledFields", type: { type: "array", items: "string" } },
    { name: "diffFields", type: { type: "array", items: "string" } },
    { name: "changedFields", type: { type: "array", items: "string" } },
  ],
};

/** A top-level field of the event: a plain field, or a compound one (Name, addresses) made of component fields. */
interface EventField {
  name: string;
  /** Row fields behind it: one for a plain field; the components of a compound field. */
  parts: { name: string; def: FieldDef }[];
  compound: boolean;
}

export interface EntitySchema {
  id: string;
  json: string;
  type: avro.Type;
  /** Top-level fields after ChangeEventHeader (bitmap index = position + 1). */
  fields: EventField[];
  /** Row field name → [top-level index, component index or -1]. */
  index: Map<string, [number, number]>;
}

const NAME_PARTS = ["Salutation", "FirstName", "LastName", "MiddleName", "Suffix"];

function avroType(f: FieldDef): unknown {
  switch (f.type) {
    case "boolean":
      return "boolean";
    case "int":
      return "int";
    case "double":
    case "currency":
    case "percent":
      return "double";
    case "date":
      return { type: "int", logicalType: "date" };
    case "datetime":
      return { type: "long", logicalType: "timestamp-millis" };
    default:
      return "string";
  }
}

/**
 * The Avro schema of `<Object>ChangeEvent`: the header, then every field as a union with null
 * (null = not part of this change), person names and addresses as nested records, as Salesforce does.
 */
export function changeEventSchema(def: ObjectDef): EntitySchema {
  const byName = new Map(def.fields.map((f) => [f.name, f]));
  const personName = byName.get("Name")?.calculated === true && byName.has("FirstName") && byName.has("LastName");
  const fields: EventField[] = [];
  const seenCompound = new Set<string>();
  for (const f of def.fields) {
    if (
      f.type === "address" ||
      f.name === "Id" ||
      f.name === "IsDeleted" ||
      f.name === "SystemModstamp" ||
      f.name === "LastViewedDate" ||
      f.name === "LastReferencedDate"
    )
      continue;
    if (personName && (f.name === "Name" || NAME_PARTS.includes(f.name))) {
      if (seenCompound.has("Name")) continue;
      seenCompound.add("Name");
      fields.push({ name: "Name", compound: true, parts: NAME_PARTS.filter((p) => byName.has(p)).map((p) => ({ name: p, def: byName.get(p)! })) });
      continue;
    }
    if (f.compoundFieldName) {
      if (seenCompound.has(f.compoundFieldName)) continue;
      seenCompound.add(f.compoundFieldName);
      const parts = def.fields.filter((x) => x.compoundFieldName === f.compoundFieldName);
      fields.push({ name: f.compoundFieldName, compound: true, parts: parts.map((p) => ({ name: p.name, def: p })) });
      continue;
    }
    fields.push({ name: f.name, compound: false, parts: [{ name: f.name, def: f }] });
  }
  let addressDefined = false;
  const avroFields: unknown[] = [{ name: "ChangeEventHeader", type: HEADER_TYPE, doc: "Data:DataCapture" }];
  for (const ef of fields) {
    if (!ef.compound) {
      avroFields.push({ name: ef.name, type: ["null", avroType(ef.parts[0]!.def)], default: null });
      continue;
    }
    const isAddress = ef.name !== "Name";
    const recordName = isAddress ? "Address" : "Switchable_PersonName";
    // A named type is declared once per schema; later address fields refer to it by name.
    const type =
      isAddress && addressDefined
        ? `${NS}.Address`
        : {
            type: "record",
            name: recordName,
            namespace: NS,
            fields: ef.parts.map((p) => ({ name: isAddress ? componentName(ef.name, p.name) : p.name, type: ["null", avroType(p.def)], default: null })),
          };
    if (isAddress) addressDefined = true;
    avroFields.push({ name: ef.name, type: ["null", type], default: null });
  }
  const schema = { type: "record", name: `${def.name.replace(/__c$/, "__")}ChangeEvent`, namespace: NS, fields: avroFields };
  const json = JSON.stringify(schema);
  const id = createHash("md5").update(json).digest("base64url");
  const index = new Map<string, [number, number]>();
  fields.forEach((ef, k) => ef.parts.forEach((p, j) => index.set(p.name, [k + 1, ef.compound ? j : -1])));
  return { id, json, type: avro.Type.forSchema(schema as avro.Schema), fields, index };
}

/** `BillingCity` in the BillingAddress record is `City`; Lead's `City` stays `City`. */
function componentName(compound: string, part: string): string {
  const prefix = compound.slice(0, -"Address".length);
  return part.startsWith(prefix) ? part.slice(prefix.length) : part;
}

function avroValue(f: FieldDef, v: Value): unknown {
  if (v === null) return null;
  switch (f.type) {
    case "date":
      return Math.floor(dateToEpoch(String(v)) / 86_400);
    case "datetime":
      return typeof v === "number" ? v * 1000 : v;
    case "boolean":
      return v === true;
    case "int":
      return Math.trunc(Number(v));
    case "double":
    case "currency":
    case "percent":
      return Number(v);
    default:
      return String(v);
  }
}

/**
 * Field lists as Salesforce sends them in the header: a hex bitmap of top-level field positions,
 * then `<position>-<bitmap>` for the components of each compound field.
 */
function bitmaps(schema: EntitySchema, names: string[]): string[] {
  if (!names.length) return [];
  let top = 0n;
  const nested = new Map<number, bigint>();
  for (const n of names) {
    const at = schema.index.get(n);
    if (!at) continue;
    const [k, j] = at;
    if (j < 0) top |= 1n << BigInt(k);
    else nested.set(k, (nested.get(k) ?? 0n) | (1n << BigInt(j)));
  }
  const hex = (b: bigint) => `0x${b.toString(16).toUpperCase()}`;
  return [hex(top), ...[...nested.entries()].sort((a, b) => a[0] - b[0]).map(([k, b]) => `${k}-${hex(b)}`)];
}

export function encodeChangeEvent(
  schema: EntitySchema,
  header: ChangeEventHeader,
  values: Record<string, Value>,
  changed: string[],
  nulled: string[],
): { buffer: Buffer; header: ChangeEventHeader } {
  const full: ChangeEventHeader = { ...header, changedFields: bitmaps(schema, changed), nulledFields: bitmaps(schema, nulled), diffFields: [] };
  const record: Record<string, unknown> = { ChangeEventHeader: full };
  for (const ef of schema.fields) {
    if (!ef.compound) {
      const p = ef.parts[0]!;
      record[ef.name] = p.name in values ? avroValue(p.def, values[p.name] ?? null) : null;
      continue;
    }
    if (!ef.parts.some((p) => p.name in values)) {
      record[ef.name] = null;
      continue;
    }
    const isAddress = ef.name !== "Name";
    const inner: Record<string, unknown> = {};
    for (const p of ef.parts) inner[isAddress ? componentName(ef.name, p.name) : p.name] = p.name in values ? avroValue(p.def, values[p.name] ?? null) : null;
    record[ef.name] = inner;
  }
  return { buffer: schema.type.toBuffer(record), header: full };
}

function clearBits(list: string[], bits: Map<number, Set<number>>): string[] {
  if (!list.length) return list;
  const out: string[] = [];
  for (const entry of list) {
    const nested = /^(\d+)-(0x[0-9A-F]+)$/i.exec(entry);
    const k = nested ? Number(nested[1]) : -1;
    let b = BigInt(nested ? nested[2]! : entry);
    for (const bit of (nested ? bits.get(k) : bits.get(-1)) ?? []) b &= ~(1n << BigInt(bit));
    if (!nested) out.push(`0x${b.toString(16).toUpperCase()}`);
    else if (b !== 0n) out.push(`${k}-0x${b.toString(16).toUpperCase()}`);
  }
  return out;
}

/**
 * The event as a user who cannot see `hidden` fields receives it: their values null and their
 * bits cleared from changedFields / nulledFields / diffFields (Salesforce applies field-level security
 * to change events per subscriber).
 */
export function maskFields(schema: EntitySchema, payload: Buffer, hidden: string[]): Buffer {
  const bits = new Map<number, Set<number>>();
  const record = schema.type.fromBuffer(payload) as Record<string, unknown> & { ChangeEventHeader: ChangeEventHeader };
  let touched = false;
  for (const name of hidden) {
    const at = schema.index.get(name);
    if (!at) continue;
    touched = true;
    const [k, j] = at;
    const ef = schema.fields[k - 1]!;
    if (j < 0) {
      record[ef.name] = null;
      bits.set(-1, (bits.get(-1) ?? new Set()).add(k));
    } else {
      const inner = record[ef.name] as Record<string, unknown> | null;
      if (inner) inner[ef.name === "Name" ? name : componentName(ef.name, name)] = null;
      bits.set(k, (bits.get(k) ?? new Set()).add(j));
    }
  }
  if (!touched) return payload;
  const h = record.ChangeEventHeader;
  h.changedFields = clearBits(h.changedFields, bits);
  h.nulledFields = clearBits(h.nulledFields, bits);
  h.diffFields = clearBits(h.diffFields, bits);
  return schema.type.toBuffer(record);
}
