import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { notifications, sessions, sfRecords, supportAccessGrants, syncErrors } from "@ferry/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { eventNames, type EventName, type EventPayload } from "@ferry/realtime";
import { createLogger } from "@ferry/observability";
import { startWorker, type Worker } from "@ferry/jobs";
import { appRouter } from "../src";
import type { ApiHarness } from "./harness";
import { codeOf, databaseDigest, signUpStaff, supportHarness, waitUntil } from "./support-fixtures";

/**
 * Every procedure of the router, tried as every kind of caller that must be refused. The table is
 * checked against the router itself: a procedure added without an entry here fails the suite.
 */
type Access = "public" | "authed" | "tenant" | "staff";
interface Fixtures {
  tenantA: string;
  tenantB: string;
  memberB: string;
  invitationB: string;
  notificationB: string;
  syncErrorB: string;
  recordB: string;
}
interface Spec {
  access: Access;
  input?: (f: Fixtures) => unknown;
  /** Needs more than a viewer (or read-only support): refused with FORBIDDEN. */
  write?: boolean;
  /** Called by tenant A's owner with tenant B's ids: the expected refusal. */
  foreign?: { input: (f: Fixtures) => unknown; code: "NOT_FOUND" | "FORBIDDEN" };
}

const none = () => undefined;
const specs: Record<string, Spec> = {
  "account.me": { access: "public" },
  "account.signUp": { access: "public", input: () => ({ name: "Nobody", email: `nobody-${randomBytes(3).toString("hex")}@x.test`, password: "short" }) },
  "account.sendVerification": { access: "tenant" },
  "account.switchTenant": {
    access: "authed",
    input: (f) => ({ tenantId: f.tenantA }),
    foreign: { input: (f) => ({ tenantId: f.tenantB }), code: "FORBIDDEN" },
  },
  "member.list": { access: "tenant" },
  "member.updateRole": {
    access: "tenant",
    write: true,
    input: (f) => ({ membershipId: f.memberB, role: "viewer" }),
    foreign: { input: (f) => ({ membershipId: f.memberB, role: "viewer" }), code: "NOT_FOUND" },
  },
  "member.remove": {
    access: "tenant",
    write: true,
    input: (f) => ({ membershipId: f.memberB }),
    foreign: { input: (f) => ({ membershipId: f.memberB }), code: "NOT_FOUND" },
  },
  "member.transferOwnership": {
    access: "tenant",
    write: true,
    input: (f) => ({ membershipId: f.memberB }),
    foreign: { input: (f) => ({ membershipId: f.memberB }), code: "NOT_FOUND" },
  },
  "member.leave": { access: "tenant" },
  "invitation.list": { access: "tenant", write: true },
  "invitation.create": { access: "tenant", write: true, input: () => ({ email: "someone@x.test", role: "viewer" }) },
  "invitation.revoke": {
    access: "tenant",
    write: true,
    input: (f) => ({ invitationId: f.invitationB }),
    foreign: { input: (f) => ({ invitationId: f.invitationB }), code: "NOT_FOUND" },
  },
  // The link itself is the capability (it names its tenant); accepting still needs the invited email.
  "invitation.view": { access: "public", input: (f) => ({ invitationId: f.invitationB }) },
  "invitation.accept": {
    access: "authed",
    input: (f) => ({ invitationId: f.invitationB }),
    foreign: { input: (f) => ({ invitationId: f.invitationB }), code: "FORBIDDEN" },
  },
  "outbox.list": { access: "tenant", write: true },
  "audit.list": { access: "tenant", write: true, input: () => ({ limit: 10 }) },
  "notification.list": { access: "tenant", input: () => ({ limit: 10 }) },
  "notification.markRead": { access: "tenant", input: (f) => ({ ids: [f.notificationB] }) },
  "salesforce.connection": { access: "tenant" },
  "salesforce.setAuthType": { access: "tenant", write: true, input: () => ({ authType: "password" }) },
  "salesforce.validate": { access: "tenant", write: true, input: () => ({ username: "sync@x.test", password: "pw", securityToken: "", sandbox: false }) },
  "salesforce.startOAuth": { access: "tenant", write: true, input: () => ({ sandbox: false }) },
  "salesforce.completeOAuth": { access: "tenant", write: true, input: () => ({ state: "s", code: "c" }) },
  "salesforce.previewFields": { access: "tenant", write: true },
  "salesforce.commitFields": { access: "tenant", write: true, input: () => ({ excluded: [], acknowledgedPermanent: true }) },
  "salesforce.catalog": { access: "tenant" },
  "salesforce.confirm": { access: "tenant", write: true, input: () => ({ acknowledged: true }) },
  "salesforce.mappings": { access: "tenant" },
  "salesforce.updateMapping": { access: "tenant", write: true, input: () => ({ object: "Lead", sfField: "Email", ferryField: "email", direction: "pull" }) },
  "salesforce.acceptMappings": { access: "tenant", write: true, input: () => ({}) },
  "salesforce.startSync": { access: "tenant", write: true, input: () => ({ acknowledgeDuplicates: true }) },
  "salesforce.setApiCap": { access: "tenant", write: true, input: () => ({ cap: 5_000 }) },
  "salesforce.nearRealTime": { access: "tenant" },
  "salesforce.setNearRealTime": { access: "tenant", write: true, input: () => ({ enabled: true }) },
  "syncStatus.badge": { access: "tenant" },
  "syncStatus.currentRun": { access: "tenant" },
  "history.list": { access: "tenant", input: () => ({}) },
  "history.exportCsv": { access: "tenant", input: () => ({}) },
  "syncError.list": { access: "tenant", input: () => ({}) },
  "syncError.retry": {
    access: "tenant",
    write: true,
    input: (f) => ({ ids: [f.syncErrorB] }),
    foreign: { input: (f) => ({ ids: [f.syncErrorB] }), code: "NOT_FOUND" },
  },
  "syncError.ignore": {
    access: "tenant",
    write: true,
    input: (f) => ({ ids: [f.syncErrorB] }),
    foreign: { input: (f) => ({ ids: [f.syncErrorB] }), code: "NOT_FOUND" },
  },
  "syncError.exportCsv": { access: "tenant", input: () => ({}) },
  "chart.sync": { access: "tenant", input: () => ({}) },
  "record.list": { access: "tenant", input: () => ({ kind: "people" }) },
  "record.owners": { access: "tenant" },
  "record.view": {
    access: "tenant",
    input: (f) => ({ object: "Lead", sfId: f.recordB }),
    foreign: { input: (f) => ({ object: "Lead", sfId: f.recordB }), code: "NOT_FOUND" },
  },
  "record.edit": {
    access: "tenant",
    write: true,
    input: (f) => ({ object: "Lead", sfId: f.recordB, changes: { Email: "x@y.test" } }),
    foreign: { input: (f) => ({ object: "Lead", sfId: f.recordB, changes: { Email: "x@y.test" } }), code: "NOT_FOUND" },
  },
  "duplicate.list": { access: "tenant", input: () => ({}) },
  "duplicate.summary": { access: "tenant" },
  "duplicate.exportCsv": { access: "tenant" },
  "support.tenants": { access: "staff", input: () => ({ filter: "all" }) },
  "support.tenant": { access: "staff", input: (f) => ({ tenantId: f.tenantB }) },
  "support.current": { access: "authed" },
  "support.start": { access: "staff", input: (f) => ({ tenantId: f.tenantB, reason: "Matrix: a refused support start" }) },
  "support.elevate": { access: "tenant", input: () => ({ reason: "Matrix: a refused elevation" }) },
  "support.end": { access: "staff" },
};

/** A valid payload per live event; the catalog is checked against this list like the router is. */
const eventSamples = (tenantId: string): { [E in EventName]: EventPayload<E> } => ({
  "sync.progress": {
    tenantId,
    runId: "run-1",
    phase: "reading",
    total: 10,
    processed: 1,
    created: 1,
    updated: 0,
    failed: 0,
    rate: 1,
    etaSeconds: 9,
    at: new Date().toISOString(),
  },
  "sync.status": { tenantId, state: "running" },
  "sync.stream": { tenantId, state: "live", lastEventAt: new Date().toISOString(), applied: 1, records: 1, at: new Date().toISOString() },
  notification: { id: "n-1", tenantId, kind: "sync_failed", title: "t", body: "b" },
  "support.access": { tenantId, grantId: "g-1", state: "started", staffName: "Someone", at: new Date().toISOString() },
});

type Procedures = Record<string, { _def: { type: "query" | "mutation" } }>;
const procedures = (appRouter as unknown as { _def: { procedures: Procedures } })._def.procedures;

async function call(caller: unknown, path: string, input: unknown) {
  const fn = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller) as (input: unknown) => Promise<unknown>;
  return fn(input);
}

const backends = await availableBackends();

describe.each(backends)("isolation matrix over every procedure and live event on %s", (backend) => {
  let database: TestDatabase;
  let harness: Awaited<ReturnType<typeof supportHarness>>;
  let api: ApiHarness;
  let worker: Worker;
  let f: Fixtures;
  const cookies: Record<"ownerA" | "viewerA" | "outsider" | "staffExpired" | "staffNoGrant" | "staffReadOnly", string> = {} as never;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    worker = await startWorker({
      boss: database.kind === "pglite" ? { kind: "pglite", pglite: database.pglite! } : { kind: "postgres", connectionString: database.platformUrl! },
      handlers: {},
      logger: createLogger({ name: "isolation-matrix", level: "silent" }),
      schedule: false,
    });
    harness = await supportHarness(database, {
      salesforce: {
        masterKey: randomBytes(32).toString("base64"),
        // Nothing listens here: a refused call must never get as far as logging in.
        hosts: { production: "http://127.0.0.1:9", sandbox: "http://127.0.0.1:9", trustedOrigins: ["http://127.0.0.1:9"], allowedHosts: [] },
        oauth: { clientId: "matrix-client", clientSecret: "matrix-secret", redirectUri: "http://localhost:3000/api/salesforce/oauth/callback" },
        enqueueInitialSync: (payload) => worker.send("sync.initial", payload),
      },
    });
    api = harness.api;

    const ownerA = await api.signUp({ name: "Ann Owner", email: "ann@a.test", tenantName: "Tenant A" });
    const ownerB = await api.signUp({ name: "Ben Owner", email: "ben@b.test", tenantName: "Tenant B" });
    cookies.ownerA = ownerA.cookie;
    const asOwnerA = await api.caller(ownerA.cookie);
    const asOwnerB = await api.caller(ownerB.cookie);

    const viewerInvite = await asOwnerA.invitation.create({ email: "vic@a.test", role: "viewer" });
    const viewer = await api.signUp({ name: "Vic Viewer", email: "vic@a.test" });
    await (await api.caller(viewer.cookie)).invitation.accept({ invitationId: viewerInvite.id });
    cookies.viewerA = viewer.cookie;

    const adminInviteB = await asOwnerB.invitation.create({ email: "bob@b.test", role: "admin" });
    const adminB = await api.signUp({ name: "Bob Admin", email: "bob@b.test" });
    await (await api.caller(adminB.cookie)).invitation.accept({ invitationId: adminInviteB.id });
    const pendingB = await asOwnerB.invitation.create({ email: "pending@b.test", role: "viewer" });
    const membersB = await (await api.caller(ownerB.cookie)).member.list();

    const [notificationB] = await database.platform
      .insert(notifications)
      .values({ tenantId: ownerB.tenantId!, kind: "sync_failed", title: "B only", body: "B only" })
      .returning();
    const [errorB] = await database.platform
      .insert(syncErrors)
      .values({ tenantId: ownerB.tenantId!, level: "record", object: "Lead", code: "FIELD_INTEGRITY_EXCEPTION", message: "B only" })
      .returning();
    const recordB = `00Q${randomBytes(6).toString("hex")}AAA`.slice(0, 18);
    await database.platform
      .insert(sfRecords)
      .values({ tenantId: ownerB.tenantId!, object: "Lead", sfId: recordB, fields: { Email: "b@b.test", LastName: "B" } });

    f = {
      tenantA: ownerA.tenantId!,
      tenantB: ownerB.tenantId!,
      memberB: membersB.find((m) => m.email === "bob@b.test")!.id,
      invitationB: pendingB.id,
      notificationB: notificationB!.id,
      syncErrorB: errorB!.id,
      recordB,
    };

    // Someone from outside B whose session was pointed at B (a stale or forged active tenant).
    const outsider = await api.signUp({ name: "Otto Outsider", email: "otto@a.test", tenantName: "Otto's" });
    await pointSessionAt(outsider.cookie, f.tenantB);
    cookies.outsider = outsider.cookie;

    const expired = await signUpStaff(api, database, "Exa Expired", "exa@ferry.test");
    await (await api.caller(expired.cookie)).support.start({ tenantId: f.tenantB, reason: "Matrix: this grant will expire" });
    await database.platform
      .update(supportAccessGrants)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(supportAccessGrants.staffUserId, expired.userId));
    cookies.staffExpired = expired.cookie;

    const noGrant = await signUpStaff(api, database, "Nora NoGrant", "nora@ferry.test");
    await pointSessionAt(noGrant.cookie, f.tenantB);
    cookies.staffNoGrant = noGrant.cookie;

    const readOnly = await signUpStaff(api, database, "Rita ReadOnly", "rita@ferry.test");
    await (await api.caller(readOnly.cookie)).support.start({ tenantId: f.tenantA, reason: "Matrix: read-only support in A" });
    cookies.staffReadOnly = readOnly.cookie;
  });

  afterAll(async () => {
    await harness?.close();
    await worker?.stop();
    await database?.drop();
  });

  async function pointSessionAt(cookie: string, tenantId: string) {
    const me = await (await api.caller(cookie)).account.me();
    await database.platform.update(sessions).set({ activeTenantId: tenantId }).where(eq(sessions.userId, me!.user.id));
  }

  /** Calls the procedure and proves the refusal left every table as it was. */
  async function refused(cookie: string | undefined, path: string, input: unknown): Promise<string> {
    const before = await databaseDigest(database);
    const code = await codeOf(call(await api.caller(cookie), path, input));
    const after = await databaseDigest(database);
    expect(after, `${path} changed data while refusing (${code})`).toBe(before);
    return code;
  }

  it("has an entry for every procedure of the router, and none for procedures that no longer exist", () => {
    const routed = Object.keys(procedures).sort();
    expect(
      routed.filter((path) => !(path in specs)),
      "procedures without an isolation entry",
    ).toEqual([]);
    expect(
      Object.keys(specs).filter((path) => !(path in procedures)),
      "entries for procedures that do not exist",
    ).toEqual([]);
  });

  it("refuses every non-public procedure without a session (UNAUTHORIZED)", async () => {
    for (const [path, spec] of Object.entries(specs)) {
      if (spec.access === "public") continue;
      expect(await refused(undefined, path, (spec.input ?? none)(f)), path).toBe("UNAUTHORIZED");
    }
  });

  it("refuses every staff procedure to a tenant owner who is not staff (FORBIDDEN)", async () => {
    for (const [path, spec] of Object.entries(specs)) {
      if (spec.access !== "staff") continue;
      expect(await refused(cookies.ownerA, path, (spec.input ?? none)(f)), path).toBe("FORBIDDEN");
    }
  });

  it("refuses every tenant procedure to a session pointed at another tenant, an expired grant, and staff without a grant (FORBIDDEN)", async () => {
    for (const [path, spec] of Object.entries(specs)) {
      if (spec.access !== "tenant") continue;
      for (const who of ["outsider", "staffExpired", "staffNoGrant"] as const) {
        expect(await refused(cookies[who], path, (spec.input ?? none)(f)), `${path} as ${who}`).toBe("FORBIDDEN");
      }
    }
  });

  it("refuses every write to a viewer and to read-only support (FORBIDDEN)", async () => {
    for (const [path, spec] of Object.entries(specs)) {
      if (!spec.write) continue;
      const input = (spec.input ?? none)(f);
      expect(await refused(cookies.viewerA, path, input), `${path} as viewer`).toBe("FORBIDDEN");
      if (path === "invitation.list" || path === "audit.list") continue; // admin reads: support sees what admins see (less the invitation links)
      expect(await refused(cookies.staffReadOnly, path, input), `${path} as read-only support`).toBe("FORBIDDEN");
    }
  });

  it("refuses tenant B's ids to tenant A's owner", async () => {
    for (const [path, spec] of Object.entries(specs)) {
      if (!spec.foreign) continue;
      expect(await refused(cookies.ownerA, path, spec.foreign.input(f)), path).toBe(spec.foreign.code);
    }
    // Marking B's notification read from A is not an error (the ids are simply not A's), and changes nothing.
    await (await api.caller(cookies.ownerA)).notification.markRead({ ids: [f.notificationB] });
    const [row] = await database.platform.select({ readAt: notifications.readAt }).from(notifications).where(eq(notifications.id, f.notificationB));
    expect(row?.readAt).toBeNull();
  });

  it("delivers no live event of tenant B to tenant A's sockets or to staff whose grant expired", async () => {
    const samples = eventSamples(f.tenantB);
    expect(Object.keys(samples).sort()).toEqual([...eventNames].sort());
    const a = await harness.socket(cookies.ownerA);
    const expired = await harness.socket(cookies.staffExpired);
    const viewerOfA = await harness.socket(cookies.viewerA);
    const bobB = await (async () => {
      const response = await api.auth.api.signInEmail({ body: { email: "bob@b.test", password: "correct horse battery" }, asResponse: true });
      return harness.socket(
        response.headers
          .getSetCookie()
          .map((c) => c.split(";")[0])
          .join("; "),
      );
    })();
    const emitter = harness.emitter();
    for (const event of eventNames) await emitter.emit(f.tenantB, event, samples[event] as never);
    await waitUntil(() => bobB.received.length === eventNames.length, "tenant B's member to receive every event");
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const socket of [a, expired, viewerOfA]) expect(socket.received.filter((e) => e.payload.tenantId === f.tenantB)).toEqual([]);
  });
});
