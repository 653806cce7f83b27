import { canonicalId } from "../ids";
import { formatDate, parseDate, parseDateTime } from "../time";
import { Schema, type FieldDef, type ObjectDef } from "../schema";
import type { Value } from "./generator";
import { type Org, WriteFailure, type OrgUser } from "./org";
import type { RowRef, SObjectTable, StoredRecord } from "./table";

interface UndoEntry {
  table: SObjectTable;
  counter: number;
  prev: StoredRecord | undefined;
  nextCounter: number;
}

/**
 * Undo log so allOrNone batches can roll back every row they touched. While a composite request
 * runs with allOrNone, `org.journal` is its outer Tx and every inner write is logged there too.
 */
export class Tx {
  private readonly undo: UndoEntry[] = [];

  constructor(readonly org: Org) {}

  put(table: SObjectTable, rec: StoredRecord): void {
    const entry: UndoEntry = { table, counter: rec.counter, prev: table.overlay.get(rec.counter), nextCounter: table.nextCounter };
    this.undo.push(entry);
    const outer = this.org.journal;
    if (outer && outer !== this) outer.undo.push(entry);
    this.org.changes?.record(this, outer, table, entry.prev ?? (rec.counter <= table.generatedCount ? rec.counter - 1 : undefined), rec);
    table.put(rec);
  }

  rollback(): void {
    for (const u of this.undo.reverse()) {
      if (u.prev) u.table.overlay.set(u.counter, u.prev);
      else u.table.overlay.delete(u.counter);
      u.table.nextCounter = Math.min(u.table.nextCounter, u.nextCounter);
      u.table.version++;
    }
    this.undo.length = 0;
    this.org.changes?.discard(this);
  }
}

export type InputSource = "json" | "csv";

const fieldLabel = (f: FieldDef) => f.label;

function coerce(org: Org, f: FieldDef, raw: unknown, source: InputSource): Value {
  if (raw === null || raw === undefined || (source === "csv" && (raw === "" || raw === "#N/A"))) return null;
  const bad = () => new WriteFailure("INVALID_TYPE_ON_FIELD_IN_RECORD", `${fieldLabel(f)}: value not of required type: ${String(raw)}`, [f.name]);
  switch (f.type) {
    case "boolean":
      if (typeof raw === "boolean") return raw;
      if (typeof raw === "string" && /^(true|false)$/i.test(raw)) return raw.toLowerCase() === "true";
      throw bad();
    case "int":
    case "double":
    case "currency":
    case "percent": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw bad();
      return f.type === "int" ? Math.trunc(n) : n;
    }
    case "date": {
      const d = typeof raw === "string" ? parseDate(raw.slice(0, 10)) : undefined;
      if (!d) throw bad();
      return d;
    }
    case "datetime": {
      const t = typeof raw === "string" ? parseDateTime(raw) : undefined;
      if (t === undefined) throw bad();
      return t;
    }
    case "reference":
    case "id": {
      const id = typeof raw === "string" ? canonicalId(raw) : undefined;
      if (!id) throw new WriteFailure("MALFORMED_ID", `${fieldLabel(f)}: id value of incorrect type: ${String(raw)}`, [f.name]);
      const target = org.locate(id);
      if (!target || !f.referenceTo.includes(target.table.def.name) || target.table.isDeleted(target.ref)) {
        throw new WriteFailure("INVALID_CROSS_REFERENCE_KEY", `invalid cross reference id`, [f.name]);
      }
      return id;
    }
    default: {
      if (typeof raw === "object") throw bad();
      const s = String(raw);
      if (f.length && s.length > f.length) {
        throw new WriteFailure("STRING_TOO_LONG", `${fieldLabel(f)}: data value too large: ${s.slice(0, 40)} (max length=${f.length})`, [f.name]);
      }
      return s;
    }
  }
}

/** Validates client-supplied field values the way the API does: unknown, hidden, read-only, type errors. */
export function coerceInput(
  org: Org,
  user: OrgUser | undefined,
  def: ObjectDef,
  input: Record<string, unknown>,
  mode: "create" | "update",
  source: InputSource,
): Record<string, Value> {
  const out: Record<string, Value> = {};
  const readOnly: string[] = [];
  for (const [key, raw] of Object.entries(input)) {
    if (key === "attributes" || (key.toLowerCase() === "id" && mode === "update")) continue;
    const f = org.visibleField(user, def, key);
    if (!f) throw new WriteFailure("INVALID_FIELD", `No such column '${key}' on sobject of type ${def.name}`, [key]);
    const writable = mode === "create" ? f.createable : f.updateable;
    if (!writable || org.access(user, def.name, f.name) === "read") {
      readOnly.push(f.name);
      continue;
    }
    out[f.name] = coerce(org, f, raw, source);
  }
  if (readOnly.length) {
    throw new WriteFailure(
      "INVALID_FIELD_FOR_INSERT_UPDATE",
      `Unable to create/update fields: ${readOnly.join(", ")}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
      readOnly,
    );
  }
  return out;
}

function required(def: ObjectDef): FieldDef[] {
  return def.fields.filter((f) => f.createable && !f.nillable && !f.defaultedOnCreate && f.type !== "boolean");
}

function derive(def: ObjectDef, v: Record<string, Value>): void {
  if ("FirstName" in v && "LastName" in v && Schema.field(def, "Name")?.calculated) {
    v.Name = [v.FirstName, v.LastName].filter((x) => x !== null && x !== "").join(" ");
  }
  if (def.name === "Opportunity") {
    const stage = String(v.StageName ?? "");
    v.IsClosed = stage.startsWith("Closed");
    v.IsWon = stage === "Closed Won";
    v.ExpectedRevenue = typeof v.Amount === "number" && typeof v.Probability === "number" ? (v.Amount * v.Probability) / 100 : null;
    const close = typeof v.CloseDate === "string" ? v.CloseDate : null;
    v.FiscalYear = close ? Number(close.slice(0, 4)) : null;
    v.FiscalQuarter = close ? Math.floor((Number(close.slice(5, 7)) - 1) / 3) + 1 : null;
  }
  if (def.name === "Case") v.IsClosed = v.Status === "Closed";
  if (def.name === "Task") {
    v.IsClosed = v.Status === "Completed";
    v.IsHighPriority = v.Priority === "High";
  }
}

/** Picklists Salesforce fills in on insert when the client leaves them out. */
const INSERT_DEFAULTS: Record<string, Record<string, Value>> = {
  Lead: { Status: "Open - Not Contacted" },
  Case: { Status: "New" },
  Task: { Status: "Not Started", Priority: "Normal", TaskSubtype: "Task" },
  Event: { EventSubtype: "Event" },
  RecordType: { IsActive: true },
};

function checkUnique(table: SObjectTable, v: Record<string, Value>, selfCounter: number | undefined): void {
  for (const f of table.def.fields) {
    if (!f.unique || v[f.name] === null || v[f.name] === undefined) continue;
    const matches = findByExternalId(table, f, String(v[f.name])).filter((ref) => table.counterOf(ref) !== selfCounter);
    if (matches.length) {
      const other = table.read(matches[0]!, "Id");
      throw new WriteFailure("DUPLICATE_VALUE", `duplicate value found: ${f.name} duplicates value on record with id: ${String(other)}`, [f.name]);
    }
  }
}

/** Live, non-deleted rows whose external id equals value (case-insensitive for text, as Salesforce does). */
export function findByExternalId(table: SObjectTable, f: FieldDef, value: string): RowRef[] {
  const out: RowRef[] = [];
  const lower = value.toLowerCase();
  const i = table.gen.lookupExternal(f.name, value.toUpperCase());
  if (i !== undefined && !table.isOverlaid(i)) out.push(i);
  for (const rec of table.overlay.values()) {
    if (rec.purged || rec.v.IsDeleted === true) continue;
    const x = rec.v[f.name];
    if (x !== null && x !== undefined && String(x).toLowerCase() === lower) out.push(rec);
  }
  return out;
}

export function createRecord(tx: Tx, user: OrgUser, objectName: string, input: Record<string, unknown>, source: InputSource = "json"): string {
  const org = tx.org;
  const table = org.requireTable(objectName);
  const def = table.def;
  if (def.operations && !def.operations.create) throw new WriteFailure("INVALID_TYPE_FOR_OPERATION", `entity type cannot be inserted: ${def.name}`);
  const values = coerceInput(org, user, def, input, "create", source);
  const missing = required(def).filter((f) => values[f.name] === undefined || values[f.name] === null || values[f.name] === "");
  if (missing.length) {
    throw new WriteFailure(
      "REQUIRED_FIELD_MISSING",
      `Required fields are missing: [${missing.map((f) => f.name).join(", ")}]`,
      missing.map((f) => f.name),
    );
  }
  const v: Record<string, Value> = {};
  for (const f of def.fields) v[f.name] = f.type === "boolean" ? false : null;
  Object.assign(v, values);
  for (const [name, value] of Object.entries(INSERT_DEFAULTS[def.name] ?? {})) if (!(name in values) || v[name] === null) v[name] = value;
  if (def.name === "User" && v.IsActive === false && !("IsActive" in values)) v.IsActive = true;
  if ("OwnerId" in v && v.OwnerId === null) v.OwnerId = user.id;
  derive(def, v);
  checkUnique(table, v, undefined);
  const { counter, id } = table.allocateId();
  if (def.name === "Case") v.CaseNumber = String(1000 + counter).padStart(8, "0");
  const stamp = org.writeStamp();
  Object.assign(v, { Id: id, CreatedDate: stamp, CreatedById: user.id, LastModifiedDate: stamp, LastModifiedById: user.id, SystemModstamp: stamp });
  if ("IsDeleted" in v) v.IsDeleted = false;
  tx.put(table, { counter, v });
  return id;
}

function liveRow(org: Org, objectName: string | undefined, rawId: string): { table: SObjectTable; ref: RowRef; id: string } {
  const id = canonicalId(rawId);
  if (!id) throw new WriteFailure("MALFORMED_ID", `malformed id ${rawId}`, ["Id"]);
  const found = org.locate(id);
  if (!found || (objectName && found.table.def.name.toLowerCase() !== objectName.toLowerCase())) {
    throw new WriteFailure("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []);
  }
  if (found.table.isDeleted(found.ref)) throw new WriteFailure("ENTITY_IS_DELETED", "entity is deleted", []);
  return found;
}

export function updateRecord(
  tx: Tx,
  user: OrgUser,
  objectName: string | undefined,
  rawId: string,
  input: Record<string, unknown>,
  source: InputSource = "json",
): string {
  const org = tx.org;
  const { table, ref, id } = liveRow(org, objectName, rawId);
  if (table.def.name === "Lead" && table.read(ref, "IsConverted") === true) {
    throw new WriteFailure("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []);
  }
  const values = coerceInput(org, user, table.def, input, "update", source);
  const nulled = required(table.def).filter((f) => f.name in values && (values[f.name] === null || values[f.name] === ""));
  if (nulled.length) {
    throw new WriteFailure(
      "REQUIRED_FIELD_MISSING",
      `Required fields are missing: [${nulled.map((f) => f.name).join(", ")}]`,
      nulled.map((f) => f.name),
    );
  }
  const rec = table.materialize(ref);
  Object.assign(rec.v, values);
  derive(table.def, rec.v);
  checkUnique(table, rec.v, rec.counter);
  org.stamp(rec, user.id);
  tx.put(table, rec);
  return id;
}

export function deleteRecord(tx: Tx, user: OrgUser, rawId: string, objectName?: string, hard = false): string {
  const org = tx.org;
  const { table, ref, id } = liveRow(org, objectName, rawId);
  if (table.def.operations && !table.def.operations.delete)
    throw new WriteFailure("INVALID_TYPE_FOR_OPERATION", `entity type cannot be deleted: ${table.def.name}`);
  const rec = table.materialize(ref);
  if (!("IsDeleted" in rec.v)) throw new WriteFailure("INVALID_OPERATION", `${table.def.name} records cannot be deleted`, []);
  rec.v.IsDeleted = true;
  org.stamp(rec, user.id);
  if (hard) rec.purged = true;
  tx.put(table, rec);
  cascadeDelete(tx, user, table.def.name, id, hard);
  return id;
}

/** Fields that point at a parent but are not its children: history and audit links stay as they are. */
const KEEPS_LINK = (name: string) =>
  name === "MasterRecordId" || name.startsWith("Converted") || name === "OwnerId" || name === "CreatedById" || name === "LastModifiedById";

/**
 * What Salesforce does to the records pointing at a deleted one: master-detail style children
 * (Account → Contacts, Opportunities; Opportunity → contact roles; Campaign/Lead/Contact → campaign
 * members; parents → activities) are deleted with it, other lookups are cleared. Both get a new SystemModstamp.
 */
function cascadeDelete(tx: Tx, user: OrgUser, objectName: string, id: string, hard: boolean): void {
  const org = tx.org;
  for (const child of org.tables.values()) {
    for (const f of child.def.fields) {
      if (f.type !== "reference" || !f.referenceTo.includes(objectName) || KEEPS_LINK(f.name)) continue;
      for (const ref of child.liveChildren(f.name, id)) {
        const rec = child.materialize(ref);
        if (f.cascadeDelete && "IsDeleted" in rec.v) {
          rec.v.IsDeleted = true;
          rec.cascadeOf = id;
          if (hard) rec.purged = true;
          org.stamp(rec, user.id);
          tx.put(child, rec);
          cascadeDelete(tx, user, child.def.name, String(rec.v.Id), hard);
        } else if (!f.cascadeDelete) {
          rec.v[f.name] = null;
          org.stamp(rec, user.id);
          tx.put(child, rec);
        }
      }
    }
  }
}

/** Undeleting a record brings back the records its deletion cascaded to. */
function undeleteCascaded(tx: Tx, user: OrgUser, id: string): void {
  for (const table of tx.org.tables.values()) {
    for (const rec of [...table.overlay.values()]) {
      if (rec.cascadeOf !== id || rec.v.IsDeleted !== true || tx.org.isPurged(rec)) continue;
      const next = table.materialize(rec);
      next.v.IsDeleted = false;
      tx.org.stamp(next, user.id);
      tx.put(table, next);
      undeleteCascaded(tx, user, String(next.v.Id));
    }
  }
}

export function undeleteRecord(tx: Tx, user: OrgUser, rawId: string): string {
  const org = tx.org;
  const id = canonicalId(rawId);
  const found = id ? org.locate(id) : undefined;
  if (!found || org.isPurged(found.ref)) throw new WriteFailure("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", []);
  if (!found.table.isDeleted(found.ref)) throw new WriteFailure("UNDELETE_FAILED", "Entity is not in the recycle bin", []);
  const rec = found.table.materialize(found.ref);
  rec.v.IsDeleted = false;
  if ("MasterRecordId" in rec.v) rec.v.MasterRecordId = null;
  org.stamp(rec, user.id);
  tx.put(found.table, rec);
  undeleteCascaded(tx, user, found.id);
  return found.id;
}

export type UpsertOutcome = { id: string; created: boolean } | { multiple: string[] };

export function upsertRecord(
  tx: Tx,
  user: OrgUser,
  objectName: string,
  extFieldName: string,
  extValue: string | undefined,
  input: Record<string, unknown>,
  source: InputSource = "json",
): UpsertOutcome {
  const org = tx.org;
  const table = org.requireTable(objectName);
  const f = org.visibleField(user, table.def, extFieldName);
  if (!f || !(f.externalId || f.type === "id")) {
    throw new WriteFailure("NOT_FOUND", `Provided external ID field does not exist or is not accessible: ${extFieldName}`, []);
  }
  const body: Record<string, unknown> = {};
  let bodyValue: unknown;
  for (const [k, v] of Object.entries(input)) {
    if (k.toLowerCase() === f.name.toLowerCase()) bodyValue = v;
    else body[k] = v;
  }
  const value = extValue ?? (bodyValue === undefined || bodyValue === null ? undefined : String(bodyValue));
  if (f.type === "id" && (value === undefined || value === "" || value === "#N/A")) {
    // Upserting on Id without an Id inserts, as Bulk API and collections do.
    return { id: createRecord(tx, user, table.def.name, body, source), created: true };
  }
  if (value === undefined || value === "") {
    throw new WriteFailure("REQUIRED_FIELD_MISSING", `Required fields are missing: [${f.name}]`, [f.name]);
  }
  if (f.type === "id") {
    if (value && canonicalId(value) && table.rowById(canonicalId(value)!) !== undefined) {
      return { id: updateRecord(tx, user, table.def.name, value, body, source), created: false };
    }
    return { id: createRecord(tx, user, table.def.name, body, source), created: true };
  }
  const matches = findByExternalId(table, f, value);
  if (matches.length > 1) return { multiple: matches.map((m) => String(table.read(m, "Id"))) };
  if (matches.length === 1) return { id: updateRecord(tx, user, table.def.name, String(table.read(matches[0]!, "Id")), body, source), created: false };
  return { id: createRecord(tx, user, table.def.name, { ...body, [f.name]: value }, source), created: true };
}

/** Merge: losers are soft-deleted with MasterRecordId = winner and their children move to the winner. */
export interface MergeOutcome {
  id: string;
  mergedRecordIds: string[];
  updatedRelatedIds: string[];
}

export function mergeRecords(tx: Tx, user: OrgUser, masterId: string, loserIds: string[]): MergeOutcome {
  const org = tx.org;
  const master = liveRow(org, undefined, masterId);
  if (!master.table.def.mergeable) throw new WriteFailure("INVALID_OPERATION", `Merge is not supported for ${master.table.def.name}`, []);
  if (loserIds.length < 1 || loserIds.length > 2) throw new WriteFailure("INVALID_OPERATION", "A merge request can have at most 3 records", []);
  const losers = loserIds.map((id) => liveRow(org, master.table.def.name, id));
  const loserSet = new Set(losers.map((l) => l.id));
  const updatedRelatedIds: string[] = [];
  for (const child of org.tables.values()) {
    const refs = child.def.fields.filter(
      (f) => f.type === "reference" && f.referenceTo.includes(master.table.def.name) && f.name !== "MasterRecordId" && !f.name.startsWith("Converted"),
    );
    for (const f of refs) updatedRelatedIds.push(...reparent(tx, child, f.name, loserSet, master.id, user));
  }
  for (const l of losers) {
    const rec = l.table.materialize(l.ref);
    rec.v.IsDeleted = true;
    rec.v.MasterRecordId = master.id;
    org.stamp(rec, user.id);
    tx.put(l.table, rec);
  }
  const winner = master.table.materialize(master.ref);
  org.stamp(winner, user.id);
  tx.put(master.table, winner);
  return { id: master.id, mergedRecordIds: losers.map((l) => l.id), updatedRelatedIds };
}

function reparent(tx: Tx, table: SObjectTable, fieldName: string, from: Set<string>, to: string, user: OrgUser): string[] {
  const read = table.reader(fieldName);
  const hits: RowRef[] = [];
  for (let i = 0; i < table.generatedCount; i++) {
    if (!table.isOverlaid(i) && from.has(read(i) as string)) hits.push(i);
  }
  for (const rec of table.overlay.values()) if (!rec.purged && from.has(rec.v[fieldName] as string)) hits.push(rec);
  for (const ref of hits) {
    const rec = table.materialize(ref);
    rec.v[fieldName] = to;
    tx.org.stamp(rec, user.id);
    tx.put(table, rec);
  }
  return hits.map((ref) => String(table.read(ref, "Id")));
}

export interface ConvertLeadOptions {
  accountId?: string;
  contactId?: string;
  doNotCreateOpportunity?: boolean;
  opportunityName?: string;
  convertedStatus?: string;
}

export function convertLead(tx: Tx, user: OrgUser, leadId: string, opts: ConvertLeadOptions = {}) {
  const org = tx.org;
  const lead = liveRow(org, "Lead", leadId);
  const r = (name: string) => lead.table.read(lead.ref, name);
  if (r("IsConverted") === true) throw new WriteFailure("CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", []);
  const company = String(r("Company") ?? r("Name"));
  const accountId = opts.accountId
    ? liveRow(org, "Account", opts.accountId).id
    : createRecord(tx, user, "Account", { Name: company, Industry: r("Industry"), OwnerId: r("OwnerId") });
  const contactId = opts.contactId
    ? liveRow(org, "Contact", opts.contactId).id
    : createRecord(tx, user, "Contact", {
        FirstName: r("FirstName"),
        LastName: r("LastName"),
        Email: r("Email"),
        Phone: r("Phone"),
        Title: r("Title"),
        LeadSource: r("LeadSource"),
        AccountId: accountId,
        OwnerId: r("OwnerId"),
      });
  const opportunityId = opts.doNotCreateOpportunity
    ? null
    : createRecord(tx, user, "Opportunity", {
        Name: opts.opportunityName ?? `${company}-`,
        StageName: "Prospecting",
        CloseDate: formatDate(org.now() + 30 * 86_400),
        AccountId: accountId,
        LeadSource: r("LeadSource"),
        OwnerId: r("OwnerId"),
      });
  const rec = lead.table.materialize(lead.ref);
  Object.assign(rec.v, {
    IsConverted: true,
    ConvertedDate: formatDate(org.now()),
    ConvertedAccountId: accountId,
    ConvertedContactId: contactId,
    ConvertedOpportunityId: opportunityId,
    Status: opts.convertedStatus ?? "Closed - Converted",
  });
  org.stamp(rec, user.id);
  tx.put(lead.table, rec);
  return { leadId: lead.id, accountId, contactId, opportunityId };
}
