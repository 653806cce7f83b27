import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { resolveSession } from "@ferry/auth";
import { apiHarness, type ApiHarness } from "./harness";

const backends = await availableBackends();

describe.each(backends)("tenants, members and invitations on %s", (backend) => {
  let database: TestDatabase;
  let api: ApiHarness;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    api = apiHarness(database);
  });
  afterAll(async () => database?.drop());

  it("signs up into a new tenant as its owner", async () => {
    const owner = await api.signUp({ name: "Olive Owner", email: "olive@acme.test", tenantName: "Acme" });
    expect(owner.tenantId).toBeTruthy();
    const me = await (await api.caller(owner.cookie)).account.me();
    expect(me?.user.email).toBe("olive@acme.test");
    expect(me?.activeTenantId).toBe(owner.tenantId);
    expect(me?.tenants).toEqual([expect.objectContaining({ id: owner.tenantId, name: "Acme", role: "owner" })]);
    const audit = await (await api.caller(owner.cookie)).audit.list({ limit: 10 });
    expect(audit.map((a) => a.action)).toContain("tenant.create");
  });

  it("signs a returning user in to their first tenant", async () => {
    const owner = await api.signUp({ name: "Rita Returning", email: "rita@acme.test", tenantName: "Returning Co" });
    const response = await api.auth.api.signInEmail({ body: { email: "rita@acme.test", password: "correct horse battery" }, asResponse: true });
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const me = await (await api.caller(cookie)).account.me();
    expect(me?.activeTenantId).toBe(owner.tenantId);
  });

  it("refuses a second account with the same email and bad input with what to fix", async () => {
    await api.signUp({ name: "First", email: "dup@acme.test", tenantName: "Dup" });
    await expect(api.signUp({ name: "Second", email: "dup@acme.test", tenantName: "Dup 2" })).rejects.toThrow(/already exists/);
    await expect(api.signUp({ name: "Short", email: "short@acme.test", password: "short", tenantName: "S" })).rejects.toThrow(/at least 10 characters/);
  });

  it("invites an admin by link, who accepts and sees the same tenant", async () => {
    const owner = await api.signUp({ name: "Iris Inviter", email: "iris@globex.test", tenantName: "Globex" });
    const asOwner = await api.caller(owner.cookie);
    const invitation = await asOwner.invitation.create({ email: "Adam@Globex.test", role: "admin" });
    expect(invitation.link).toMatch(/\/invite\//);
    const outbox = await asOwner.outbox.list();
    expect(outbox[0]).toMatchObject({ to: "adam@globex.test", link: invitation.link });

    const view = await (await api.caller()).invitation.view({ invitationId: invitation.id });
    expect(view).toMatchObject({ tenantName: "Globex", email: "adam@globex.test", usable: true });

    const invitee = await api.signUp({ name: "Adam Admin", email: "adam@globex.test" });
    expect(invitee.tenantId).toBeNull();
    const asInvitee = await api.caller(invitee.cookie);
    await expect(asInvitee.member.list()).rejects.toThrow(/Choose a tenant first/);
    await asInvitee.invitation.accept({ invitationId: invitation.id });

    const me = await (await api.caller(invitee.cookie)).account.me();
    expect(me?.activeTenantId).toBe(owner.tenantId);
    const members = await (await api.caller(invitee.cookie)).member.list();
    expect(members.map((m) => [m.email, m.role]).sort()).toEqual([
      ["adam@globex.test", "admin"],
      ["iris@globex.test", "owner"],
    ]);
    await expect(asInvitee.invitation.accept({ invitationId: invitation.id })).rejects.toThrow(/already accepted/);
  });

  it("refuses an invitation link used by someone else", async () => {
    const owner = await api.signUp({ name: "Una", email: "una@initech.test", tenantName: "Initech" });
    const invitation = await (await api.caller(owner.cookie)).invitation.create({ email: "bob@initech.test", role: "viewer" });
    const mallory = await api.signUp({ name: "Mallory", email: "mallory@evil.test", tenantName: "Evil" });
    await expect((await api.caller(mallory.cookie)).invitation.accept({ invitationId: invitation.id })).rejects.toThrow(
      /This invitation is for bob@initech.test/,
    );
  });

  it("keeps every tenant procedure closed to another tenant's users", async () => {
    const a = await api.signUp({ name: "Ann", email: "ann@a.test", tenantName: "Tenant A" });
    const b = await api.signUp({ name: "Ben", email: "ben@b.test", tenantName: "Tenant B" });
    const asB = await api.caller(b.cookie);
    await expect(asB.account.switchTenant({ tenantId: a.tenantId! })).rejects.toThrow(/not a member/);
    const bMembers = await asB.member.list();
    expect(bMembers.map((m) => m.email)).toEqual(["ben@b.test"]);
    const bAudit = await asB.audit.list({ limit: 50 });
    expect(bAudit.every((row) => row.tenantId === b.tenantId)).toBe(true);
    // Only B's own verification mail: nothing A sent.
    const bOutbox = await asB.outbox.list();
    expect(bOutbox.map((mail) => [mail.tenantId, mail.to, mail.subject])).toEqual([[b.tenantId, "ben@b.test", "Confirm your email address for Ferry"]]);
  });

  it("lets viewers read but not invite", async () => {
    const owner = await api.signUp({ name: "Vera", email: "vera@v.test", tenantName: "Viewers Inc" });
    const invitation = await (await api.caller(owner.cookie)).invitation.create({ email: "victor@v.test", role: "viewer" });
    const viewer = await api.signUp({ name: "Victor", email: "victor@v.test" });
    await (await api.caller(viewer.cookie)).invitation.accept({ invitationId: invitation.id });
    const asViewer = await api.caller(viewer.cookie);
    expect((await asViewer.member.list()).length).toBe(2);
    await expect(asViewer.invitation.create({ email: "x@v.test", role: "admin" })).rejects.toThrow(/needs the admin role/);
  });

  it("ends a session for good once it passes the absolute timeout, however busy", async () => {
    const user = await api.signUp({ name: "Abe Absolute", email: "abe@abs.test", tenantName: "Absolute Co" });
    const headers = new Headers({ cookie: user.cookie });
    expect(await resolveSession(api.auth, database.platform, headers, 3600)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await resolveSession(api.auth, database.platform, headers, 1)).toBeNull();
    // The session row is gone, so even a generous limit no longer accepts the cookie.
    expect(await resolveSession(api.auth, database.platform, headers, 3600)).toBeNull();
  });

  it("refuses procedures without a session", async () => {
    const anonymous = await api.caller();
    expect(await anonymous.account.me()).toBeNull();
    await expect(anonymous.member.list()).rejects.toThrow(/Sign in first/);
  });
});
