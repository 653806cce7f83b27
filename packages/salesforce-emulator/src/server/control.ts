import { z } from "zod";
import { ApiError } from "../errors";
import { WriteFailure, type FieldAccess, type OrgUser } from "../data/org";
import { convertLead, createRecord, deleteRecord, mergeRecords, Tx, undeleteRecord, updateRecord, type ConvertLeadOptions } from "../data/writes";
import { FIELD_TYPES, type FieldSpec } from "../schema";
import { formatDateTime } from "../time";
import type { EmulatorContext } from "./context";
import type { FaultSettings } from "./faults";
import { json, noContent, type Req, type Res, type Route } from "./http";

/**
 * Test-side control of the org. Writes run as an administrator who sees every field, so a test can
 * prepare data the restricted user cannot touch.
 */
export class Control {
  constructor(
    private readonly ctx: EmulatorContext,
    private readonly onReset: () => void,
  ) {}

  /** Every access token, refresh token and authorization code issued so far: what a leak search looks for. */
  issuedSecrets(): string[] {
    const { sessions } = this.ctx;
    return [...sessions.byToken.keys(), ...sessions.refreshTokens.keys(), ...sessions.codes.keys()];
  }

  private admin(): OrgUser {
    const first = this.ctx.org.users[0]!;
    return { ...first, fieldAccess: new Map() };
  }

  private tx<T>(fn: (tx: Tx) => T): T {
    const tx = new Tx(this.ctx.org);
    try {
      return fn(tx);
    } catch (e) {
      tx.rollback();
      throw e;
    }
  }

  createRecord(objectName: string, fields: Record<string, unknown>): string {
    return this.tx((tx) => createRecord(tx, this.admin(), objectName, fields));
  }

  updateRecord(id: string, fields: Record<string, unknown>): string {
    return this.tx((tx) => updateRecord(tx, this.admin(), undefined, id, fields));
  }

  deleteRecord(id: string): string {
    return this.tx((tx) => deleteRecord(tx, this.admin(), id));
  }

  undeleteRecord(id: string): string {
    return this.tx((tx) => undeleteRecord(tx, this.admin(), id));
  }

  convertLead(leadId: string, options: ConvertLeadOptions = {}) {
    return this.tx((tx) => convertLead(tx, this.admin(), leadId, options));
  }

  mergeRecords(masterId: string, loserIds: string[]) {
    return this.tx((tx) => mergeRecords(tx, this.admin(), masterId, loserIds));
  }

  addCustomField(objectName: string, spec: FieldSpec) {
    return this.ctx.org.addCustomField(objectName, spec);
  }

  removeCustomField(objectName: string, fieldName: string): void {
    this.ctx.org.removeCustomField(objectName, fieldName);
  }

  retypeCustomField(objectName: string, fieldName: string, spec: Partial<FieldSpec> & { type: FieldSpec["type"] }) {
    return this.ctx.org.retypeCustomField(objectName, fieldName, spec);
  }

  setFieldAccess(username: string, objectName: string, fieldName: string, access: FieldAccess): void {
    this.ctx.org.setFieldAccess(username, objectName, fieldName, access);
  }

  /** Resets a user's password or token, or expires the password; sessions already issued stay valid until expired. */
  setUserCredentials(username: string, change: { password?: string; securityToken?: string; passwordExpired?: boolean }): void {
    this.ctx.org.setUserCredentials(username, change);
  }

  /** Moves the org clock (not the wall clock): replication windows, date literals and new timestamps follow it. */
  advanceClock(seconds: number): string {
    return formatDateTime(this.ctx.org.advanceClock(seconds));
  }

  now(): string {
    return formatDateTime(this.ctx.org.now());
  }

  setApiLimit(dailyApiLimit: number, used?: number): void {
    this.ctx.org.dailyApiLimit = dailyApiLimit;
    if (used !== undefined) this.ctx.org.apiUsage = used;
  }

  /** A share (0..1) of later writes stamped up to maxSeconds before they become visible; share 0 turns it off. */
  setLateModstamp(share: number, maxSeconds: number): void {
    this.ctx.org.lateModstamp = share > 0 ? { share, maxSeconds } : undefined;
  }

  setFaults(settings: FaultSettings): void {
    this.ctx.faults.configure(settings);
  }

  clearFaults(): void {
    this.ctx.faults.clear();
  }

  expireSessions(username?: string): number {
    return this.ctx.sessions.expire(username);
  }

  reset(): void {
    this.ctx.org.reset();
    this.ctx.faults.clear();
    this.onReset();
  }

  state() {
    const org = this.ctx.org;
    return {
      organizationId: org.id,
      now: formatDateTime(org.now()),
      apiUsage: { used: org.apiUsage, limit: org.dailyApiLimit },
      faults: {
        latency: this.ctx.faults.latency,
        outage: this.ctx.faults.outage,
        rules: this.ctx.faults.rules,
        hold: this.ctx.faults.hold,
        held: this.ctx.faults.held,
      },
      objects: Object.fromEntries([...org.tables.values()].map((t) => [t.def.name, { generated: t.generatedCount, changed: t.overlay.size }])),
      users: org.users.map((u) => ({ id: u.id, username: u.username })),
    };
  }
}

const fieldSpec = z.object({
  name: z.string().min(1),
  type: z.enum(FIELD_TYPES as [string, ...string[]]),
  label: z.string().optional(),
  length: z.number().int().positive().optional(),
  precision: z.number().int().optional(),
  scale: z.number().int().optional(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  nillable: z.boolean().optional(),
  picklistValues: z.array(z.string()).optional(),
  referenceTo: z.array(z.string()).optional(),
  relationshipName: z.string().optional(),
});
const retypeSpec = fieldSpec.omit({ name: true });
const fields = z.record(z.string(), z.unknown());
const access = z.object({ object: z.string(), field: z.string(), access: z.enum(["edit", "read", "hidden"]) });
const credentials = z.object({ password: z.string().min(1).optional(), securityToken: z.string().min(1).optional(), passwordExpired: z.boolean().optional() });
const clock = z.object({ seconds: z.number().optional(), days: z.number().optional() });
const lateModstamp = z.object({ share: z.number().min(0).max(1), maxSeconds: z.number().int().min(1).max(3600) });
const limits = z.object({ dailyApiLimit: z.number().int().positive(), used: z.number().int().nonnegative().optional() });
const endpointClass = z.enum([
  "auth",
  "identity",
  "versions",
  "describe",
  "query",
  "sobject",
  "composite",
  "replication",
  "limits",
  "bulk-query",
  "bulk-ingest",
  "other",
]);
const faultRule = z.object({
  endpoint: z.union([z.literal("*"), endpointClass]),
  kind: z.enum(["server-error", "unable-to-lock-row", "request-limit", "job-failure"]),
  rate: z.number().min(0).max(1).optional(),
  times: z.number().int().nonnegative().optional(),
  status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
});
const hold = z.object({ endpoint: endpointClass, after: z.number().int().nonnegative() });
const faults = z.object({
  latency: z.enum(["none", "realistic"]).optional(),
  outage: z.boolean().optional(),
  rules: z.array(faultRule).optional(),
  hold: hold.nullable().optional(),
});
const convert = z.object({
  accountId: z.string().optional(),
  contactId: z.string().optional(),
  doNotCreateOpportunity: z.boolean().optional(),
  opportunityName: z.string().optional(),
  convertedStatus: z.string().optional(),
});
const merge = z.object({ masterId: z.string(), loserIds: z.array(z.string()).min(1).max(2) });
const expire = z.object({ username: z.string().optional() });

async function body<T>(req: Req, schema: z.ZodType<T>): Promise<T> {
  const text = await req.text();
  const parsed = schema.safeParse(text.trim() ? JSON.parse(text) : {});
  if (!parsed.success) throw new ApiError(400, "INVALID_INPUT", z.prettifyError(parsed.error));
  return parsed.data;
}

/** A control route's handler: its result as JSON (none: 204), a refused write as Salesforce's 400. */
export const controlHandler =
  (fn: (req: Req, p: string[]) => Promise<unknown> | unknown) =>
  async (req: Req, p: string[]): Promise<Res> => {
    try {
      const out = await fn(req, p);
      return out === undefined ? noContent() : json(200, out);
    } catch (e) {
      if (e instanceof WriteFailure) throw new ApiError(400, e.statusCode, e.message, e.fields);
      throw e;
    }
  };

/** HTTP face of Control under the emulator's own prefix; JSON in, JSON out, errors as `[{errorCode, message}]`. */
export function controlRoutes(control: Control): Route[] {
  const P = "^/__emulator";
  const wrap = controlHandler;
  return [
    { method: "GET", pattern: new RegExp(`${P}/state/?$`), handler: wrap(() => control.state()) },
    { method: "POST", pattern: new RegExp(`${P}/reset/?$`), handler: wrap(() => control.reset()) },
    {
      method: "POST",
      pattern: new RegExp(`${P}/records/(\\w+)/?$`),
      handler: wrap(async (req, [o]) => ({ id: control.createRecord(o!, await body(req, fields)) })),
    },
    {
      method: "PATCH",
      pattern: new RegExp(`${P}/records/(\\w+)/(\\w{15,18})/?$`),
      handler: wrap(async (req, [, id]) => ({ id: control.updateRecord(id!, await body(req, fields)) })),
    },
    { method: "DELETE", pattern: new RegExp(`${P}/records/(\\w+)/(\\w{15,18})/?$`), handler: wrap((_r, [, id]) => ({ id: control.deleteRecord(id!) })) },
    {
      method: "POST",
      pattern: new RegExp(`${P}/records/(\\w+)/(\\w{15,18})/undelete/?$`),
      handler: wrap((_r, [, id]) => ({ id: control.undeleteRecord(id!) })),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/leads/(\\w{15,18})/convert/?$`),
      handler: wrap(async (req, [id]) => control.convertLead(id!, await body(req, convert))),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/merge/?$`),
      handler: wrap(async (req) => {
        const b = await body(req, merge);
        return control.mergeRecords(b.masterId, b.loserIds);
      }),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/fields/(\\w+)/?$`),
      handler: wrap(async (req, [o]) => control.addCustomField(o!, (await body(req, fieldSpec)) as FieldSpec)),
    },
    {
      method: "PATCH",
      pattern: new RegExp(`${P}/fields/(\\w+)/(\\w+)/?$`),
      handler: wrap(async (req, [o, f]) => control.retypeCustomField(o!, f!, (await body(req, retypeSpec)) as FieldSpec)),
    },
    { method: "DELETE", pattern: new RegExp(`${P}/fields/(\\w+)/(\\w+)/?$`), handler: wrap((_r, [o, f]) => control.removeCustomField(o!, f!)) },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/users/([^/]+)/field-access/?$`),
      handler: wrap(async (req, [u]) => {
        const b = await body(req, access);
        control.setFieldAccess(u!, b.object, b.field, b.access);
      }),
    },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/users/([^/]+)/credentials/?$`),
      handler: wrap(async (req, [u]) => control.setUserCredentials(decodeURIComponent(u!), await body(req, credentials))),
    },
    {
      method: "POST",
      pattern: new RegExp(`${P}/clock/?$`),
      handler: wrap(async (req) => {
        const b = await body(req, clock);
        return { now: control.advanceClock((b.seconds ?? 0) + (b.days ?? 0) * 86_400) };
      }),
    },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/limits/?$`),
      handler: wrap(async (req) => {
        const b = await body(req, limits);
        control.setApiLimit(b.dailyApiLimit, b.used);
      }),
    },
    {
      method: "PUT",
      pattern: new RegExp(`${P}/late-modstamp/?$`),
      handler: wrap(async (req) => {
        const b = await body(req, lateModstamp);
        control.setLateModstamp(b.share, b.maxSeconds);
      }),
    },
    { method: "PUT", pattern: new RegExp(`${P}/faults/?$`), handler: wrap(async (req) => control.setFaults(await body(req, faults))) },
    { method: "DELETE", pattern: new RegExp(`${P}/faults/?$`), handler: wrap(() => control.clearFaults()) },
    {
      method: "POST",
      pattern: new RegExp(`${P}/sessions/expire/?$`),
      handler: wrap(async (req) => ({ expired: control.expireSessions((await body(req, expire)).username) })),
    },
  ];
}
