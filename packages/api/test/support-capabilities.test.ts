import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { ApiHarness } from "./harness";
import { codeOf, signUpStaff, supportHarness } from "./support-fixtures";

const backends = await availableBackends();
const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/** Every id-shaped string in what a caller was shown: the candidates someone could try as an invitation link. */
function idsIn(...responses: unknown[]): string[] {
  return [...new Set(JSON.stringify(responses).match(uuid) ?? [])];
}

describe.each(backends)("support access never receives a tenant's capabilities on %s", (backend) => {
  let database: TestDatabase;
  let harness: Awaited<ReturnType<typeof supportHarness>>;
  let api: ApiHarness;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    harness = await supportHarness(database);
    api = harness.api;
  });
  afterAll(async () => {
    await harness?.close();
    await database?.drop();
  });

  it("shows support the invitations without ids or links, so it cannot accept one for itself once the grant ends", async () => {
    const owner = await api.signUp({ name: "Vera Victim", email: "vera@acme.test", tenantName: "Acme" });
    const asOwner = await api.caller(owner.cookie);
    const invitation = await asOwner.invitation.create({ email: "newhire@acme.test", role: "admin" });
    // The tenant's own admins keep the link: in the list, the outbox and the audit log.
    expect((await asOwner.invitation.list()).map((row) => row.id)).toEqual([invitation.id]);
    expect((await asOwner.outbox.list()).map((mail) => mail.link)).toContain(invitation.link);
    expect((await asOwner.audit.list({ limit: 10 })).find((row) => row.action === "invitation.create")?.targetId).toBe(invitation.id);

    const staff = await signUpStaff(api, database, "Mal Staff", "mal@ferry.test");
    await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Customer asked about a sync error" });
    const seen: unknown[] = [];
    for (const mode of ["read", "write"] as const) {
      if (mode === "write") await (await api.caller(staff.cookie)).support.elevate({ reason: "Customer asked us to fix a mapping" });
      const inside = await api.caller(staff.cookie);
      expect((await inside.support.current())?.mode).toBe(mode);
      const listed = await inside.invitation.list();
      expect(listed).toEqual([expect.objectContaining({ id: null, email: "newhire@acme.test", role: "admin", status: "pending" })]);
      expect(await codeOf(inside.outbox.list())).toBe("FORBIDDEN");
      const log = await inside.audit.list({ limit: 50 });
      expect(log.find((row) => row.action === "invitation.create")).toMatchObject({ targetType: "invitation", targetId: null });
      const notifications = await inside.notification.list({ limit: 50 });
      seen.push(listed, log, notifications);
    }
    expect(JSON.stringify(seen)).not.toContain(invitation.id);
    await (await api.caller(staff.cookie)).support.end();

    // The takeover: a fresh account under the invitee's (unverified) address tries everything support was shown.
    const taker = await api.signUp({ name: "Not The Hire", email: "newhire@acme.test" });
    const asTaker = await api.caller(taker.cookie);
    const candidates = idsIn(...seen);
    expect(candidates.length).toBeGreaterThan(0);
    for (const candidate of candidates) expect(await codeOf(asTaker.invitation.accept({ invitationId: candidate }))).not.toBe("OK");
    expect((await asOwner.member.list()).map((member) => member.email)).toEqual(["vera@acme.test"]);
    expect((await asOwner.invitation.list()).map((row) => [row.id, row.status])).toEqual([[invitation.id, "pending"]]);
  });

  it("refuses read-only support marking notifications read, and support in any mode never hides its own notices", async () => {
    const owner = await api.signUp({ name: "Nora Notice", email: "nora@notice.test", tenantName: "Notice Co" });
    const asOwner = await api.caller(owner.cookie);
    await asOwner.invitation.create({ email: "viewer@notice.test", role: "viewer" });
    const staff = await signUpStaff(api, database, "Hal Hide", "hal@ferry.test");
    await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Customer asked about a sync error" });

    const unreadTitles = async () => (await asOwner.notification.list({ limit: 50, unreadOnly: true })).map((n) => n.title).sort();
    expect(await unreadTitles()).toEqual(["Ferry support entered your tenant", "Invitation sent"]);

    const reading = await api.caller(staff.cookie);
    const visible = await reading.notification.list({ limit: 50 });
    await expect(reading.notification.markRead({ ids: visible.map((n) => n.id) })).rejects.toThrow(/read-only; elevate/);
    expect(await codeOf(reading.notification.markRead({ ids: [] }))).toBe("FORBIDDEN");
    expect(await unreadTitles()).toEqual(["Ferry support entered your tenant", "Invitation sent"]);

    await reading.support.elevate({ reason: "Customer asked us to fix a mapping" });
    const writing = await api.caller(staff.cookie);
    const all = await writing.notification.list({ limit: 50 });
    expect(await writing.notification.markRead({ ids: all.map((n) => n.id) })).toEqual({ updated: 1 });
    expect(await unreadTitles()).toEqual(["Ferry support can now make changes", "Ferry support entered your tenant"]);
    await writing.support.end();

    // The tenant's own members still clear them.
    const remaining = await asOwner.notification.list({ limit: 50, unreadOnly: true });
    expect(await asOwner.notification.markRead({ ids: remaining.map((n) => n.id) })).toEqual({ updated: 2 });
    expect(await unreadTitles()).toEqual([]);
  });
});
