import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractRows, salesforceConnections, withTenant } from "@ferry/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";
import { openSecret } from "@ferry/services";
import { openSalesforceConnection } from "@ferry/sync";
import { authorizeInEmulator, salesforceHarness, type SalesforceHarness } from "./salesforce-harness";

const backends = await availableBackends();
const small = { User: 3, Account: 20, Contact: 30, Lead: 40, Opportunity: 10, OpportunityContactRole: 5, Campaign: 2, CampaignMember: 5 };

let prod: EmulatorHandle;
let other: EmulatorHandle;
let sandbox: EmulatorHandle;

beforeAll(async () => {
  delete process.env.http_proxy;
  delete process.env.https_proxy;
  delete process.env.HTTP_PROXY;
  delete process.env.HTTPS_PROXY;
  prod = await startEmulator({ port: 0, counts: small, orgNumber: 1, organizationName: "Acme Production" });
  // Another org, with a field only it has, that logs in through the OAuth page without a person.
  other = await startEmulator({
    port: 0,
    counts: small,
    orgNumber: 2,
    organizationName: "Globex",
    autoApproveUser: "sync@ferry.emulator",
    customFields: { Lead: [{ name: "OnlyInGlobex__c", type: "string", label: "Only in Globex" }] },
  });
  sandbox = await startEmulator({ port: 0, counts: small, orgNumber: 3, organizationName: "Acme Sandbox", isSandbox: true });
});

afterAll(async () => {
  await Promise.all([prod?.stop(), other?.stop(), sandbox?.stop()]);
});

const creds = (emu: EmulatorHandle, index = 0) => {
  const u = emu.users[index]!;
  return { username: u.username, password: u.password, securityToken: u.securityToken, sandbox: false };
};

async function code<T>(call: Promise<T>): Promise<{ code: string; message: string; salesforceCode?: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: string; message: string; cause?: { code?: string } };
    return { code: e.code, message: e.message, salesforceCode: e.cause?.code };
  }
  throw new Error("expected the call to fail");
}

describe.each(backends)("Salesforce connection flow on %s", (backend) => {
  let database: TestDatabase;
  let h: SalesforceHarness;
  let admin: { cookie: string; tenantId: string };
  let viewer: { cookie: string };

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    h = await salesforceHarness(database, {
      production: prod.loginUrl,
      sandbox: sandbox.sandboxLoginUrl,
      trustedOrigins: [prod.loginUrl, sandbox.sandboxLoginUrl, other.loginUrl],
      allowedHosts: [],
    });
    const owner = await h.signUp({ name: "Ada Admin", email: "ada@acme.test", tenantName: "Acme" });
    admin = { cookie: owner.cookie, tenantId: owner.tenantId! };
    const invitation = await (await h.caller(admin.cookie)).invitation.create({ email: "vic@acme.test", role: "viewer" });
    const v = await h.signUp({ name: "Vic Viewer", email: "vic@acme.test" });
    await (await h.caller(v.cookie)).invitation.accept({ invitationId: invitation.id });
    viewer = { cookie: v.cookie };
    await h.listen(admin.cookie);
    await h.listen(viewer.cookie);
  });
  afterAll(async () => {
    await h?.close();
    await database?.drop();
  });

  it("refuses wrong credentials, an unreachable host and a malformed domain, storing nothing", async () => {
    const api = await h.sf(admin.cookie);
    expect((await h.record(api.salesforce.connection())).state).toBe("not_connected");
    const wrongPassword = await code(h.record(api.salesforce.validate({ ...creds(prod), password: "not-the-password" })));
    // A refusal of what the admin typed is a 4xx they can fix; only a failure a retry can cure is a 502 (found by the reliability fuzzer).
    expect(wrongPassword).toMatchObject({ code: "UNPROCESSABLE_CONTENT", salesforceCode: "INVALID_LOGIN" });
    expect(wrongPassword.message).toMatch(/password or the security token is wrong/);
    const wrongToken = await code(h.record(api.salesforce.validate({ ...creds(prod), securityToken: "WRONGTOKEN00000000000000" })));
    expect(wrongToken.salesforceCode).toBe("INVALID_LOGIN");
    expect(wrongToken.message).toMatch(/Reset My Security Token/);
    // Not a configured login URL: refused by name before anything connects (see salesforce-ssrf.test.ts).
    const elsewhere = await code(h.record(api.salesforce.validate({ ...creds(prod), customDomain: "http://127.0.0.1:9" })));
    expect(elsewhere.code).toBe("BAD_REQUEST");
    expect(elsewhere.message).toMatch(/login domains use https/);
    expect((await code(h.record(api.salesforce.validate({ ...creds(prod), customDomain: "https://acme.my.salesforce.com/login?x=1" })))).message).toMatch(
      /only the domain/,
    );
    expect((await code(h.record(api.salesforce.validate({ ...creds(prod), securityToken: "bad token!" })))).message).toMatch(/letters and digits/);
    const view = await h.record(api.salesforce.connection());
    expect(view).toMatchObject({ state: "not_connected", org: null, username: null });
    const audit = await (await h.caller(admin.cookie)).audit.list({ limit: 50 });
    expect(audit.filter((a) => a.action === "salesforce.credentials.validate").map((a) => a.outcome)).toEqual(["failure", "failure"]);
  });

  it("validates, previews, syncs fields, confirms, maps and starts the sync; viewers only look", async () => {
    const api = await h.sf(admin.cookie);
    const asViewer = await h.sf(viewer.cookie);
    expect((await code(asViewer.salesforce.validate(creds(prod)))).code).toBe("FORBIDDEN");

    const validated = await h.record(api.salesforce.validate(creds(prod)));
    expect(validated).toMatchObject({
      orgId: prod.org.id,
      orgName: "Acme Production",
      syncUsername: "sync@ferry.emulator",
      apiDailyLimit: 15000,
      loginHost: "production",
    });
    const view = await h.record(asViewer.salesforce.connection());
    expect(view).toMatchObject({ state: "validated", canEdit: false, username: "sync@ferry.emulator", demo: null });
    // Set, when and by whom: no character of the password or token reaches a member.
    expect(view.secrets).toEqual({
      password: { set: true, setAt: expect.any(Date), setBy: "Ada Admin" },
      securityToken: { set: true, setAt: expect.any(Date), setBy: "Ada Admin" },
      refreshToken: null,
    });

    expect((await code(asViewer.salesforce.previewFields())).code).toBe("FORBIDDEN");
    const preview = await h.record(api.salesforce.previewFields());
    expect(preview.missing).toEqual([]);
    expect(preview.objects.map((o) => o.name)).toEqual([
      "User",
      "Account",
      "Contact",
      "Lead",
      "Opportunity",
      "OpportunityContactRole",
      "Campaign",
      "CampaignMember",
    ]);
    const lead = preview.objects.find((o) => o.name === "Lead")!;
    expect(lead.fields.find((f) => f.name === "IsConverted")).toMatchObject({ requiredByFerry: true, writable: false, type: "boolean" });
    expect(lead.fields.find((f) => f.name === "Email")).toMatchObject({ requiredByFerry: true, writable: true });

    const ack = { acknowledgedPermanent: true as const };
    expect((await code(h.record(api.salesforce.commitFields({ ...ack, excluded: [{ object: "Lead", field: "SystemModstamp" }] })))).message).toMatch(
      /needed for the sync/,
    );
    expect((await code(h.record(api.salesforce.commitFields({ ...ack, excluded: [{ object: "Lead", field: "Nope__c" }] })))).message).toMatch(
      /not a field the sync user can see/,
    );
    expect((await h.record(api.salesforce.connection())).state).toBe("validated");
    const committed = await h.record(api.salesforce.commitFields({ ...ack, excluded: [{ object: "Lead", field: "Secret__c" }] }));
    expect(committed.excluded).toBe(1);
    const catalog = await h.record(asViewer.salesforce.catalog());
    expect(catalog.find((f) => f.object === "Lead" && f.fieldName === "Secret__c")).toMatchObject({ excluded: true });

    expect((await code(api.salesforce.updateMapping({ object: "Lead", sfField: "Title", ferryField: null, direction: "pull" }))).message).toMatch(
      /after Sync Fields and Confirm Credentials/,
    );
    expect((await code(api.salesforce.confirm({ acknowledged: false as unknown as true }))).code).toBe("BAD_REQUEST");
    expect((await code(asViewer.salesforce.confirm({ acknowledged: true }))).code).toBe("FORBIDDEN");
    await h.record(api.salesforce.confirm({ acknowledged: true }));
    expect((await code(api.salesforce.setAuthType({ authType: "oauth" }))).message).toMatch(/can no longer switch/);

    const mappings = await h.record(asViewer.salesforce.mappings());
    expect(mappings.editable).toBe(true);
    const feeding = (ferryField: string) =>
      mappings.fields
        .filter((f) => f.ferryField === ferryField)
        .map((f) => `${f.object}.${f.sfField}`)
        .sort();
    expect(feeding("person.email")).toEqual(["Contact.Email", "Lead.Email"]);
    expect(feeding("person.custom.ExternalKey__c")).toEqual(["Contact.ExternalKey__c", "Lead.ExternalKey__c"]);
    expect(feeding("company.name")).toEqual(["Account.Name"]);
    expect(mappings.fields.some((f) => f.sfField === "Secret__c")).toBe(false);

    const incompatible = await code(
      h.record(api.salesforce.updateMapping({ object: "Lead", sfField: "AnnualRevenue", ferryField: "person.email", direction: "pull" })),
    );
    expect(incompatible.message).toMatch(/Lead\.AnnualRevenue is a currency field; Person > Email is a email field/);
    expect((await code(api.salesforce.updateMapping({ object: "Lead", sfField: "Email", ferryField: "company.name", direction: "pull" }))).message).toMatch(
      /Lead fields feed Person, not Company/,
    );
    expect(
      (await code(api.salesforce.updateMapping({ object: "Lead", sfField: "CreatedDate", ferryField: "person.created_at", direction: "two_way" }))).message,
    ).toMatch(/syncs from Salesforce only/);
    expect(
      (await code(api.salesforce.updateMapping({ object: "Lead", sfField: "Company", ferryField: "person.last_name", direction: "pull" }))).message,
    ).toMatch(/Lead\.LastName already feeds Last name/);
    expect((await code(asViewer.salesforce.updateMapping({ object: "Lead", sfField: "Title", ferryField: null, direction: "pull" }))).code).toBe("FORBIDDEN");
    await h.record(api.salesforce.updateMapping({ object: "Lead", sfField: "Email", ferryField: "person.email", direction: "two_way" }));
    await h.record(api.salesforce.updateMapping({ object: "Lead", sfField: "Title", ferryField: null, direction: "pull" }));
    await h.record(api.salesforce.updateMapping({ object: "Lead", sfField: "Industry", ferryField: "person.department", direction: "pull" }));
    const after = await h.record(api.salesforce.mappings());
    const bySf = (object: string, sfField: string) => after.fields.find((f) => f.object === object && f.sfField === sfField);
    expect(bySf("Lead", "Email")).toMatchObject({ ferryField: "person.email", direction: "two_way" });
    expect(bySf("Lead", "Title")).toMatchObject({ ferryField: null });
    expect(bySf("Lead", "Industry")).toMatchObject({ ferryField: "person.department" });

    expect((await code(api.salesforce.startSync({ acknowledgeDuplicates: true }))).message).toMatch(/Accept the initial field mappings first/);
    await h.record(api.salesforce.acceptMappings());
    expect((await code(asViewer.salesforce.startSync({ acknowledgeDuplicates: true }))).code).toBe("FORBIDDEN");
    const run = await h.record(api.salesforce.startSync({ acknowledgeDuplicates: true }));
    expect(run.status).toBe("queued");
    const jobs = extractRows<{ data: { job: string; payload: { tenantId: string; runId: string } } }>(
      await database.platform.execute(sql`select data from pgboss.job where name = 'tenant-sync'`),
    );
    expect(jobs.map((j) => j.data)).toContainEqual({ job: "sync.initial", payload: { tenantId: admin.tenantId, runId: run.id } });
    const started = await h.record(asViewer.salesforce.connection());
    expect(started).toMatchObject({ state: "syncing", syncStarted: true, orgLocked: true, initialRun: { id: run.id, status: "queued" } });
    await expect.poll(() => h.captured.events.some((e) => e.includes('"sync.status"') && e.includes('"running"'))).toBe(true);

    const audit = (await (await h.caller(admin.cookie)).audit.list({ limit: 100 })).map((a) => a.action);
    for (const action of [
      "salesforce.credentials.validate",
      "salesforce.fields.sync",
      "salesforce.credentials.confirm",
      "salesforce.mapping.update",
      "salesforce.mapping.break",
      "salesforce.mappings.accept",
      "salesforce.sync.start",
    ]) {
      expect(audit).toContain(action);
    }
  });

  it("after the start: mappings are read-only, same-org credentials are accepted, another org or sandbox is refused", async () => {
    const api = await h.sf(admin.cookie);
    const locked = await code(h.record(api.salesforce.updateMapping({ object: "Lead", sfField: "Email", ferryField: "person.email", direction: "pull" })));
    expect(locked).toMatchObject({ code: "CONFLICT" });
    expect(locked.message).toMatch(/sync has started, so the mappings are read-only/);
    expect(await h.record(api.salesforce.mappings())).toMatchObject({ editable: false, lockedNote: expect.stringMatching(/read-only/) });

    const sameOrg = await h.record(api.salesforce.validate(creds(prod, 1)));
    expect(sameOrg).toMatchObject({ orgId: prod.org.id, updatedLockedCredentials: true });
    expect((await h.record(api.salesforce.connection())).username).toBe(prod.users[1]!.username);

    const otherOrg = await code(h.record(api.salesforce.validate({ ...creds(other), customDomain: other.loginUrl })));
    expect(otherOrg.code).toBe("CONFLICT");
    expect(otherOrg.message).toContain(`log into org ${other.org.id} (Globex), but this tenant is locked to org ${prod.org.id}`);
    const toSandbox = await code(h.record(api.salesforce.validate({ ...creds(sandbox), sandbox: true })));
    expect(toSandbox.message).toMatch(/locked to org/);
    const stillThere = await h.record(api.salesforce.connection());
    expect(stillThere).toMatchObject({ username: prod.users[1]!.username, state: "syncing", org: { orgId: prod.org.id } });
  });

  it("stops logging in after three refused logins and resumes once new credentials validate", async () => {
    const user = prod.org.userByName(prod.users[1]!.username)!;
    const original = user.password;
    user.password = "changed-in-salesforce";
    try {
      for (let attempt = 1; attempt <= 3; attempt++) {
        await expect(openSalesforceConnection({ db: database.db, tenantId: admin.tenantId, masterKey: h.masterKey })).rejects.toMatchObject({
          code: "INVALID_LOGIN",
        });
      }
      await expect(openSalesforceConnection({ db: database.db, tenantId: admin.tenantId, masterKey: h.masterKey })).rejects.toMatchObject({
        code: "LOGIN_RETRIES_STOPPED",
      });
      const api = await h.sf(admin.cookie);
      expect(await h.record(api.salesforce.connection())).toMatchObject({ loginFailures: 3, retriesStopped: true });
      const notifications = await (await h.caller(admin.cookie)).notification.list({ limit: 50 });
      expect(notifications.filter((n) => n.kind === "credentials_expired")).toHaveLength(1);
      await h.record(api.salesforce.validate({ ...creds(prod, 1), password: "changed-in-salesforce" }));
      expect(await h.record(api.salesforce.connection())).toMatchObject({ loginFailures: 0, retriesStopped: false });
      const connection = await openSalesforceConnection({ db: database.db, tenantId: admin.tenantId, masterKey: h.masterKey });
      expect(connection.version).toBe("62.0");
      expect((await connection.query("SELECT count() FROM Lead")).totalSize).toBe(40);
    } finally {
      user.password = original;
    }
  });

  it("connects a second tenant through OAuth (PKCE + state); denied, foreign and expired callbacks are clear", async () => {
    const owner = await h.signUp({ name: "Olga OAuth", email: "olga@globex.test", tenantName: "Globex" });
    await h.listen(owner.cookie);
    const api = await h.sf(owner.cookie);
    await h.record(api.salesforce.setAuthType({ authType: "oauth" }));
    expect((await code(api.salesforce.validate(creds(other)))).message).toMatch(/set to OAuth/);

    const denied = await h.record(api.salesforce.startOAuth({ sandbox: false, customDomain: other.loginUrl }));
    const deniedState = new URL(denied.authorizeUrl).searchParams.get("state")!;
    const deny = await code(
      h.record(api.salesforce.completeOAuth({ state: deniedState, error: "access_denied", errorDescription: "end-user denied authorization" })),
    );
    expect(deny.message).toMatch(/You chose Deny/);
    expect((await code(api.salesforce.completeOAuth({ state: deniedState, code: "x" }))).message).toMatch(/does not match the one started here/);

    const start = await h.record(api.salesforce.startOAuth({ sandbox: false, customDomain: other.loginUrl }));
    const authorize = new URL(start.authorizeUrl);
    expect(authorize.searchParams.get("code_challenge")).toBeTruthy();
    const callback = await authorizeInEmulator(start.authorizeUrl);
    expect(callback.get("state")).toBe(authorize.searchParams.get("state"));
    expect((await code(api.salesforce.completeOAuth({ state: "forged", code: callback.get("code")! }))).message).toMatch(/does not match/);
    const done = await h.record(api.salesforce.completeOAuth({ state: callback.get("state")!, code: callback.get("code")! }));
    expect(done).toMatchObject({ ok: true, orgId: other.org.id });
    const view = await h.record(api.salesforce.connection());
    expect(view).toMatchObject({ state: "validated", authType: "oauth", org: { orgId: other.org.id } });
    expect(view.secrets).toEqual({ password: null, securityToken: null, refreshToken: { set: true, setAt: expect.any(Date), setBy: "Olga OAuth" } });

    // An authorization left too long is refused at the callback.
    const late = await h.record(api.salesforce.startOAuth({ sandbox: false, customDomain: other.loginUrl }));
    await withTenant({ db: database.db, tenantId: owner.tenantId! }, async (tx) => {
      const [row] = await tx.select().from(salesforceConnections);
      await tx.update(salesforceConnections).set({ oauthPending: { ...row!.oauthPending!, startedAt: new Date(Date.now() - 11 * 60_000).toISOString() } });
    });
    const lateCallback = await authorizeInEmulator(late.authorizeUrl);
    expect((await code(h.record(api.salesforce.completeOAuth({ state: lateCallback.get("state")!, code: lateCallback.get("code")! })))).message).toMatch(
      /authorization expired/,
    );
    expect((await h.record(api.salesforce.connection())).state).toBe("validated");

    const preview = await h.record(api.salesforce.previewFields());
    expect(preview.objects.find((o) => o.name === "Lead")!.fields.some((f) => f.name === "OnlyInGlobex__c")).toBe(true);
    await h.record(api.salesforce.commitFields({ acknowledgedPermanent: true, excluded: [] }));
    await h.record(api.salesforce.confirm({ acknowledged: true }));
    await h.record(api.salesforce.acceptMappings());
    const run = await h.record(api.salesforce.startSync({ acknowledgeDuplicates: true }));
    expect(run.status).toBe("queued");
    const connection = await openSalesforceConnection({ db: database.db, tenantId: owner.tenantId!, masterKey: h.masterKey });
    prod.expireSessions();
    other.expireSessions();
    // The access token is gone; jsforce refreshes with the stored refresh token and retries.
    expect((await connection.query("SELECT count() FROM Lead")).totalSize).toBe(40);

    // The two tenants see only their own org's catalog.
    const mine = await h.record(api.salesforce.catalog());
    const theirs = await h.record((await h.sf(admin.cookie)).salesforce.catalog());
    expect(mine.some((f) => f.fieldName === "OnlyInGlobex__c")).toBe(true);
    expect(theirs.some((f) => f.fieldName === "OnlyInGlobex__c")).toBe(false);
    expect(mine.some((f) => f.fieldName === "Secret__c")).toBe(false);
  });

  it("two tenants connect two different orgs at the same time and never see each other's catalog", async () => {
    const [a, b] = await Promise.all([
      h.signUp({ name: "Tia", email: "tia@one.test", tenantName: "One" }),
      h.signUp({ name: "Tom", email: "tom@two.test", tenantName: "Two" }),
    ]);
    const [apiA, apiB] = await Promise.all([h.sf(a.cookie), h.sf(b.cookie)]);
    await Promise.all([
      (async () => {
        await apiA.salesforce.validate(creds(prod));
        await apiA.salesforce.commitFields({ acknowledgedPermanent: true, excluded: [] });
      })(),
      (async () => {
        await apiB.salesforce.validate({ ...creds(other), customDomain: other.loginUrl });
        await apiB.salesforce.commitFields({ acknowledgedPermanent: true, excluded: [] });
      })(),
    ]);
    const [catA, catB] = await Promise.all([apiA.salesforce.catalog(), apiB.salesforce.catalog()]);
    expect(catA.some((f) => f.fieldName === "Secret__c")).toBe(true);
    expect(catA.some((f) => f.fieldName === "OnlyInGlobex__c")).toBe(false);
    expect(catB.some((f) => f.fieldName === "OnlyInGlobex__c")).toBe(true);
    expect(catB.some((f) => f.fieldName === "Secret__c")).toBe(false);
    expect((await apiA.salesforce.connection()).org?.orgId).toBe(prod.org.id);
    expect((await apiB.salesforce.connection()).org?.orgId).toBe(other.org.id);
  });

  it("before Confirm Credentials, switching to another sync user (who sees other fields) sends the admin back to Sync Fields", async () => {
    const owner = await h.signUp({ name: "Una User", email: "una@switch.test", tenantName: "Switch" });
    const api = await h.sf(owner.cookie);
    await api.salesforce.validate(creds(prod));
    await api.salesforce.commitFields({ acknowledgedPermanent: true, excluded: [] });
    expect((await api.salesforce.connection()).state).toBe("fields_synced");
    await h.record(api.salesforce.validate(creds(prod, 1)));
    expect((await api.salesforce.connection()).state).toBe("validated");
    expect(await api.salesforce.catalog()).toEqual([]);
    const preview = await api.salesforce.previewFields();
    // The restricted user cannot see Lead.Secret__c, so the new catalog will not have it either.
    expect(preview.objects.find((o) => o.name === "Lead")!.fields.some((f) => f.name === "Secret__c")).toBe(false);
    const audit = await (await h.caller(owner.cookie)).audit.list({ limit: 10 });
    expect(audit.find((a) => a.action === "salesforce.credentials.validate")?.details).toMatchObject({ userChanged: true });
  });

  it("no password, security token or refresh token appears in a tRPC response, a log line or a socket event", async () => {
    const [row] = await withTenant(
      { db: database.db, tenantId: (await database.platform.select().from(salesforceConnections)).find((r) => r.authType === "oauth")!.tenantId },
      (tx) => tx.select().from(salesforceConnections),
    );
    const refreshToken = openSecret(row!.refreshToken!, h.masterKey, `${row!.tenantId}:refreshToken`);
    const plaintexts = [
      ...prod.users.flatMap((u) => [u.password, u.securityToken]),
      ...other.users.flatMap((u) => [u.password, u.securityToken]),
      "changed-in-salesforce",
      "WRONGTOKEN00000000000000",
      refreshToken,
      other.oauthClients[0]!.clientSecret,
    ];
    expect(h.captured.responses.length).toBeGreaterThan(40);
    expect(h.captured.logs.length).toBeGreaterThan(0);
    expect(h.captured.events.length).toBeGreaterThan(0);
    for (const secret of plaintexts) {
      expect(secret.length).toBeGreaterThan(8);
      for (const [where, lines] of Object.entries(h.captured)) {
        const hit = lines.find((line) => line.includes(secret));
        expect(hit, `${where} contains a secret`).toBeUndefined();
      }
    }
    // And at rest: the sealed columns hold no plaintext either.
    const raw = JSON.stringify(await database.platform.select().from(salesforceConnections));
    for (const secret of plaintexts) expect(raw.includes(secret)).toBe(false);
  });
});
