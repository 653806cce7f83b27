import { canonicalId, decodeId, KEY_PREFIX, makeId } from "../ids";
import { DAY, type EpochSeconds } from "../time";
import { DEFAULT_CUSTOM_FIELDS, field, OBJECT_NAMES, Schema, type FieldDef, type FieldSpec, type ObjectDef } from "../schema";
import { buildGeneratedTable, RECORD_TYPES, type GeneratorContext, type Value } from "./generator";
import { SObjectTable, type RowRef, type StoredRecord } from "./table";
import type { Tx } from "./writes";
import type { ChangeCapture } from "../cdc/capture";

export type FieldAccess = "edit" | "read" | "hidden";

export interface UserOptions {
  username: string;
  password: string;
  securityToken?: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  /** Field-level security overrides, keyed `Object.Field`. Unlisted fields are editable. */
  fieldAccess?: Record<string, FieldAccess>;
  passwordExpired?: boolean;
}

export interface OrgOptions {
  seed?: number;
  /** Generated records per object; User is raised to at least the number of login users. */
  counts?: Partial<Record<string, number>>;
  customFields?: Record<string, FieldSpec[]>;
  users?: UserOptions[];
  historyDays?: number;
  /** Org clock at start (epoch ms); defaults to now. */
  now?: number;
  isSandbox?: boolean;
  /** A share (0..1) of writes stamped up to maxSeconds before they become visible; see `Org.writeStamp`. */
  lateModstamp?: { share: number; maxSeconds: number };
  /** Makes the org id distinct when several emulated orgs run at once (default 1). */
  orgNumber?: number;
  organizationName?: string;
  /** `Organization.OrganizationType` (default Enterprise Edition). */
  edition?: string;
  /** `Organization.InstanceName` (default NA224, or CS224 for a sandbox). */
  instanceName?: string;
  dailyApiLimit?: number;
}

export interface OrgUser {
  id: string;
  index: number;
  username: string;
  password: string;
  securityToken: string;
  displayName: string;
  email: string;
  passwordExpired: boolean;
  fieldAccess: Map<string, FieldAccess>;
}

export const DEFAULT_COUNTS: Record<string, number> = {
  User: 12,
  Account: 2_000,
  Contact: 5_000,
  Lead: 10_000,
  Opportunity: 2_000,
  OpportunityContactRole: 2_000,
  Campaign: 50,
  CampaignMember: 5_000,
  Case: 500,
  Task: 2_000,
  Event: 1_000,
};

export const DEFAULT_USERS: UserOptions[] = [
  { username: "sync@ferry.emulator", password: "ferry-sync-1", securityToken: "SYNCTOKEN0000000000000001", firstName: "Sync", lastName: "User" },
  {
    username: "restricted@ferry.emulator",
    password: "ferry-restricted-1",
    securityToken: "RESTRICTEDTOKEN000000001",
    firstName: "Restricted",
    lastName: "User",
    fieldAccess: {
      "Lead.Secret__c": "hidden",
      "Lead.AnnualRevenue": "hidden",
      "Contact.Birthdate": "hidden",
      "Account.AnnualRevenue": "read",
      "Lead.Score__c": "read",
    },
  },
];

export class WriteFailure extends Error {
  /** For a failed upsert item: whether it would have inserted (Salesforce reports `created` on it too). */
  created?: boolean;

  constructor(
    readonly statusCode: string,
    message: string,
    readonly fields: string[] = [],
  ) {
    super(message);
  }
}

/** One emulated org: schema, generated data plus overlay, users, clock. */
export class Org {
  readonly id: string;
  readonly name: string;
  readonly isSandbox: boolean;
  schema!: Schema;
  tables!: Map<string, SObjectTable>;
  users!: OrgUser[];
  private clockOffset = 0;
  private readonly wallStart = Date.now();
  /** The org's clock at `wallStart`, in milliseconds. */
  private readonly startMs: number;
  private readonly seededAt: EpochSeconds;
  private ctx!: GeneratorContext;
  dailyApiLimit: number;
  private usage = 0;
  private usageDay = -1;
  /** Deletion date of the newest record emptied from the recycle bin (for earliestDateAvailable). */
  lastPurgeAt: EpochSeconds;
  /** The enclosing transaction of an allOrNone composite request, if one is running. */
  journal: Tx | undefined;
  /** Change Data Capture: told about every row a Tx writes (see cdc/capture.ts). */
  changes: ChangeCapture | undefined;

  constructor(private readonly options: OrgOptions = {}) {
    this.id = makeId(KEY_PREFIX.Organization, options.orgNumber ?? 1);
    this.name = options.organizationName ?? "Ferry Emulator Org";
    this.isSandbox = options.isSandbox ?? false;
    this.startMs = options.now ?? this.wallStart;
    this.seededAt = Math.floor(this.startMs / 1000);
    this.dailyApiLimit = options.dailyApiLimit ?? 15_000;
    this.lastPurgeAt = this.seededAt - (options.historyDays ?? 365) * DAY;
    this.reset();
  }

  /** Back to the seeded state: overlay, clock, usage, user settings and schema all restored. */
  reset(): void {
    const o = this.options;
    this.schema = new Schema(o.customFields ?? DEFAULT_CUSTOM_FIELDS);
    const userOpts = o.users ?? DEFAULT_USERS;
    const counts: Record<string, number> = { ...DEFAULT_COUNTS, ...(o.counts as Record<string, number> | undefined) };
    counts.User = Math.max(counts.User ?? 0, userOpts.length);
    // The one Organization row is an overlay record: its id carries orgNumber, not a generated counter.
    counts.Organization = 0;
    counts.RecordType = RECORD_TYPES.length;
    const prefixes: Record<string, string> = {};
    for (const def of this.schema.objects.values()) prefixes[def.name] = def.keyPrefix;
    this.ctx = {
      seed: (o.seed ?? 1) >>> 0,
      counts,
      seededAt: this.seededAt,
      historyDays: o.historyDays ?? 365,
      loginUsers: userOpts.map((u, k) => ({
        username: u.username,
        firstName: u.firstName ?? "Emulator",
        lastName: u.lastName ?? `User ${k + 1}`,
        email: u.email ?? u.username,
      })),
      prefixes,
    };
    this.tables = new Map();
    for (const name of OBJECT_NAMES) {
      const def = this.schema.objects.get(name)!;
      this.tables.set(name, new SObjectTable(def, buildGeneratedTable(def, this.ctx)));
    }
    this.users = userOpts.map((u, k) => ({
      id: makeId(KEY_PREFIX.User, k + 1),
      index: k,
      username: u.username,
      password: u.password,
      securityToken: u.securityToken ?? "",
      displayName: `${this.ctx.loginUsers[k]!.firstName} ${this.ctx.loginUsers[k]!.lastName}`,
      email: this.ctx.loginUsers[k]!.email,
      passwordExpired: u.passwordExpired ?? false,
      fieldAccess: new Map(Object.entries(u.fieldAccess ?? {}).map(([key, v]) => [key.toLowerCase(), v])),
    }));
    this.tables.get("Organization")!.put(this.organizationRecord());
    this.clockOffset = 0;
    this.lateModstamp = o.lateModstamp;
    this.usage = 0;
    this.usageDay = Math.floor(this.now() / DAY);
    this.lastPurgeAt = this.seededAt - (o.historyDays ?? 365) * DAY;
  }

  private organizationRecord(): StoredRecord {
    const o = this.options;
    const created = this.seededAt - (o.historyDays ?? 365) * DAY - DAY;
    const admin = this.users[0]?.id ?? makeId(KEY_PREFIX.User, 1);
    const v: Record<string, Value> = {
      Id: this.id,
      Name: this.name,
      Division: null,
      Street: "415 Mission Street",
      City: "San Francisco",
      State: "CA",
      PostalCode: "94105",
      Country: "United States",
      Phone: "+1 415 555 0100",
      Fax: null,
      PrimaryContact: this.users[0]?.displayName ?? null,
      DefaultLocaleSidKey: "en_US",
      TimeZoneSidKey: "GMT",
      LanguageLocaleKey: "en_US",
      ReceivesInfoEmails: false,
      ReceivesAdminInfoEmails: false,
      FiscalYearStartMonth: 1,
      UsesStartDateAsFiscalYearName: false,
      DefaultAccountAccess: "Edit",
      DefaultContactAccess: "ControlledByParent",
      DefaultOpportunityAccess: "Edit",
      DefaultLeadAccess: "ReadEditTransfer",
      DefaultCaseAccess: "ReadEditTransfer",
      DefaultCalendarAccess: "ReadEditTransfer",
      DefaultPricebookAccess: "ReadEditTransfer",
      DefaultCampaignAccess: "ReadEditTransfer",
      ComplianceBccEmail: null,
      UiSkin: "Theme3",
      SignupCountryIsoCode: "US",
      TrialExpirationDate: null,
      OrganizationType: o.edition ?? "Enterprise Edition",
      NamespacePrefix: null,
      InstanceName: o.instanceName ?? (this.isSandbox ? "CS224" : "NA224"),
      IsSandbox: this.isSandbox,
      MonthlyPageViewsUsed: 0,
      MonthlyPageViewsEntitlement: 0,
      IsReadOnly: false,
      CreatedDate: created,
      CreatedById: admin,
      LastModifiedDate: created,
      LastModifiedById: admin,
      SystemModstamp: created,
    };
    return { counter: decodeId(this.id)!.counter, v };
  }

  /** API requests counted today (org clock); the counter starts over each day, so long demos keep working. */
  get apiUsage(): number {
    const day = Math.floor(this.now() / DAY);
    if (day !== this.usageDay) {
      this.usageDay = day;
      this.usage = 0;
    }
    return this.usage;
  }

  set apiUsage(n: number) {
    void this.apiUsage;
    this.usage = n;
  }

  now(): EpochSeconds {
    return Math.floor(this.nowMs() / 1000);
  }

  /**
   * The org's clock in milliseconds (a change event's commitTimestamp). Its seconds are `now()`'s:
   * the two tick together, so an event's commit time is never a second off the record's stamps.
   */
  nowMs(): number {
    return this.startMs + (Date.now() - this.wallStart) + this.clockOffset * 1000;
  }

  advanceClock(seconds: number): EpochSeconds {
    this.clockOffset += Math.trunc(seconds);
    return this.now();
  }

  get totalRecords(): number {
    let n = 0;
    for (const t of this.tables.values()) n += t.generatedCount + t.overlay.size;
    return n;
  }

  table(name: string): SObjectTable | undefined {
    const def = this.schema.object(name);
    return def ? this.tables.get(def.name) : undefined;
  }

  userById(id: string): OrgUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  userByName(username: string): OrgUser | undefined {
    const lower = username.toLowerCase();
    return this.users.find((u) => u.username.toLowerCase() === lower);
  }

  access(user: OrgUser | undefined, objectName: string, fieldName: string): FieldAccess {
    if (!user || fieldName === "Id") return "edit";
    return user.fieldAccess.get(`${objectName}.${fieldName}`.toLowerCase()) ?? "edit";
  }

  setFieldAccess(username: string, objectName: string, fieldName: string, access: FieldAccess): void {
    const user = this.userByName(username);
    const def = this.schema.object(objectName);
    const f = def && Schema.field(def, fieldName);
    if (!user || !def || !f) throw new WriteFailure("NOT_FOUND", `Unknown user, object or field: ${username} ${objectName}.${fieldName}`);
    user.fieldAccess.set(`${def.name}.${f.name}`.toLowerCase(), access);
  }

  /** An admin resetting a user's password or token, or expiring the password (login then reports passwordExpired). */
  setUserCredentials(username: string, change: { password?: string; securityToken?: string; passwordExpired?: boolean }): void {
    const user = this.userByName(username);
    if (!user) throw new WriteFailure("NOT_FOUND", `Unknown user: ${username}`);
    if (change.password !== undefined) user.password = change.password;
    if (change.securityToken !== undefined) user.securityToken = change.securityToken;
    if (change.passwordExpired !== undefined) user.passwordExpired = change.passwordExpired;
  }

  visibleFields(user: OrgUser | undefined, def: ObjectDef): FieldDef[] {
    return def.fields.filter((f) => this.access(user, def.name, f.name) !== "hidden");
  }

  /** Field lookup as the user sees the schema: hidden fields do not exist. */
  visibleField(user: OrgUser | undefined, def: ObjectDef, name: string): FieldDef | undefined {
    const f = Schema.field(def, name);
    return f && this.access(user, def.name, f.name) !== "hidden" ? f : undefined;
  }

  addCustomField(objectName: string, spec: FieldSpec): FieldDef {
    const table = this.requireTable(objectName);
    if (!spec.name.endsWith("__c")) throw new WriteFailure("INVALID_FIELD", `Custom field names must end with __c: ${spec.name}`);
    if (Schema.field(table.def, spec.name))
      throw new WriteFailure("DUPLICATE_DEVELOPER_NAME", `There is already a field named ${spec.name} on ${table.def.name}.`);
    const f = field({ ...spec, custom: true, generated: false });
    table.def.fields.push(f);
    table.version++;
    return f;
  }

  removeCustomField(objectName: string, fieldName: string): void {
    const table = this.requireTable(objectName);
    const f = Schema.field(table.def, fieldName);
    if (!f || !f.custom) throw new WriteFailure("INVALID_FIELD", `No such custom field ${fieldName} on ${table.def.name}`);
    table.def.fields = table.def.fields.filter((x) => x !== f);
    for (const rec of table.overlay.values()) delete rec.v[f.name];
    table.version++;
  }

  /** Changing a field's type keeps values that convert cleanly and nulls the rest, like the Setup UI warns. */
  retypeCustomField(objectName: string, fieldName: string, spec: Partial<FieldSpec> & { type: FieldDef["type"] }): FieldDef {
    const table = this.requireTable(objectName);
    const old = Schema.field(table.def, fieldName);
    if (!old || !old.custom) throw new WriteFailure("INVALID_FIELD", `No such custom field ${fieldName} on ${table.def.name}`);
    const { name: _ignored, ...rest } = { ...old, ...spec, length: spec.length ?? field({ name: old.name, type: spec.type }).length };
    const next = field({ ...rest, name: old.name, custom: true, generated: false });
    const gen = table.gen.fields.get(old.name);
    table.def.fields = table.def.fields.map((x) => (x === old ? next : x));
    if (old.generated && gen) {
      // Generated rows keep their converted value, so re-derive from the old generator.
      table.gen.fields.set(old.name, (i) => convertValue(gen(i), next));
      next.generated = true;
    }
    for (const rec of table.overlay.values()) rec.v[old.name] = convertValue(rec.v[old.name] ?? null, next);
    table.version++;
    return next;
  }

  requireTable(objectName: string): SObjectTable {
    const t = this.table(objectName);
    if (!t) throw new WriteFailure("INVALID_TYPE", `sObject type '${objectName}' is not supported.`);
    return t;
  }

  /** Resolves an id of any supported object, deleted rows included. */
  locate(rawId: string): { table: SObjectTable; ref: RowRef; id: string } | undefined {
    const id = canonicalId(rawId);
    if (!id) return undefined;
    for (const table of this.tables.values()) {
      if (table.def.keyPrefix !== id.slice(0, 3)) continue;
      const ref = table.rowById(id);
      return ref === undefined ? undefined : { table, ref, id };
    }
    return undefined;
  }

  /** Whether a record counts as emptied from the recycle bin (15 days after deletion). */
  isPurged(ref: RowRef): boolean {
    if (typeof ref === "number") return false;
    if (ref.purged) return true;
    return ref.v.IsDeleted === true && (ref.v.SystemModstamp as number) < this.now() - 15 * DAY;
  }

  /**
   * Late stamps: a share of writes get a SystemModstamp up to maxSeconds before the moment they
   * become visible, as a long transaction commits with its start time. A sync that moved its
   * watermark past that time in between only finds them with a lookback.
   */
  lateModstamp: { share: number; maxSeconds: number } | undefined;
  private lateRng = 0x2545f491;

  /** The SystemModstamp for a write made now, never before `floor` (the record's previous stamp). */
  writeStamp(floor = -Infinity): EpochSeconds {
    const now = this.now();
    const late = this.lateModstamp;
    if (!late || late.share <= 0 || late.maxSeconds < 1) return now;
    const r = () => {
      this.lateRng ^= this.lateRng << 13;
      this.lateRng ^= this.lateRng >>> 17;
      this.lateRng ^= this.lateRng << 5;
      return (this.lateRng >>> 0) / 4_294_967_296;
    };
    if (r() >= late.share) return now;
    return Math.max(floor, now - 1 - Math.floor(r() * late.maxSeconds));
  }

  stamp(rec: StoredRecord, userId: string): void {
    const t = this.writeStamp(typeof rec.v.SystemModstamp === "number" ? rec.v.SystemModstamp : -Infinity);
    rec.v.LastModifiedDate = t;
    rec.v.SystemModstamp = t;
    rec.v.LastModifiedById = userId;
  }
}

export function convertValue(value: Value, f: FieldDef): Value {
  if (value === null) return null;
  switch (f.type) {
    case "boolean":
      return typeof value === "boolean" ? value : value === "true" ? true : value === "false" ? false : null;
    case "int":
    case "double":
    case "currency":
    case "percent": {
      const n = typeof value === "number" ? value : Number(value);
      return Number.isFinite(n) && typeof value !== "boolean" ? (f.type === "int" ? Math.trunc(n) : n) : null;
    }
    case "string":
    case "textarea":
    case "email":
    case "phone":
    case "url":
    case "picklist":
    case "multipicklist":
      return String(value).slice(0, f.length || undefined);
    default:
      return null;
  }
}
