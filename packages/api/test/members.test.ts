import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { apiHarness, type ApiHarness } from "./harness";
import { codeOf } from "./support-fixtures";

const backends = await availableBackends();

describe.each(backends)("tenant administration on %s", (backend) => {
  let database: TestDatabase;
  let api: ApiHarness;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    api = apiHarness(database);
  });
  afterAll(async () => database?.drop());

  async function join(owner: { cookie: string }, name: string, email: string, role: "admin" | "viewer") {
    const invitation = await (await api.caller(owner.cookie)).invitation.create({ email, role });
    const user = await api.signUp({ name, email });
    await (await api.caller(user.cookie)).invitation.accept({ invitationId: invitation.id });
    return user;
  }

  it("changes roles, transfers ownership, removes members and keeps a last owner, each audited", async () => {
    const owner = await api.signUp({ name: "Oscar Owner", email: "oscar@members.test", tenantName: "Members Co" });
    const admin = await join(owner, "Ada Admin", "ada@members.test", "admin");
    const viewer = await join(owner, "Val Viewer", "val@members.test", "viewer");
    const asOwner = await api.caller(owner.cookie);
    const members = async () => Object.fromEntries((await asOwner.member.list()).map((m) => [m.email, m]));
    let byEmail = await members();

    await asOwner.member.updateRole({ membershipId: byEmail["val@members.test"]!.id, role: "admin" });
    expect((await members())["val@members.test"]!.role).toBe("admin");
    await asOwner.member.updateRole({ membershipId: byEmail["val@members.test"]!.id, role: "viewer" });

    // The last owner can neither leave nor be demoted; ownership moves first.
    await expect(asOwner.member.leave()).rejects.toThrow(/only owner; transfer ownership/);
    await expect(asOwner.member.updateRole({ membershipId: byEmail["oscar@members.test"]!.id, role: "admin" })).rejects.toThrow(/only owner/);
    expect(await codeOf((await api.caller(admin.cookie)).member.transferOwnership({ membershipId: byEmail["val@members.test"]!.id }))).toBe("FORBIDDEN");
    expect(await codeOf((await api.caller(admin.cookie)).member.remove({ membershipId: byEmail["oscar@members.test"]!.id }))).toBe("FORBIDDEN");
    expect(await codeOf((await api.caller(viewer.cookie)).member.remove({ membershipId: byEmail["ada@members.test"]!.id }))).toBe("FORBIDDEN");

    await asOwner.member.transferOwnership({ membershipId: byEmail["ada@members.test"]!.id });
    byEmail = await members();
    expect(byEmail["ada@members.test"]!.role).toBe("owner");
    expect(byEmail["oscar@members.test"]!.role).toBe("admin");

    const asAda = await api.caller(admin.cookie);
    await asAda.member.remove({ membershipId: byEmail["val@members.test"]!.id });
    expect(await codeOf((await api.caller(viewer.cookie)).member.list())).toBe("FORBIDDEN");
    await expect(asAda.member.remove({ membershipId: byEmail["ada@members.test"]!.id })).rejects.toThrow(/Leave tenant/);

    await (await api.caller(owner.cookie)).member.leave();
    expect(await codeOf((await api.caller(owner.cookie)).member.list())).toBe("FORBIDDEN");
    expect((await asAda.member.list()).map((m) => m.email)).toEqual(["ada@members.test"]);
    await expect(asAda.member.leave()).rejects.toThrow(/only owner/);

    const actions = (await asAda.audit.list({ limit: 50 })).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(["member.role_change", "member.transfer_ownership", "member.remove", "member.leave"]));
    const transfer = (await asAda.audit.list({ limit: 50 })).find((r) => r.action === "member.transfer_ownership");
    expect(transfer).toMatchObject({ actorName: "Oscar Owner", supportGrantId: null, subjectName: "Ada Admin" });
    // The member an entry is about is named, and the log filters by area and outcome.
    const people = await asAda.audit.list({ limit: 50, area: "people" });
    expect(people.find((r) => r.action === "member.role_change")).toMatchObject({
      actorName: "Oscar Owner",
      subjectName: "Val Viewer",
      details: { from: "admin", to: "viewer" },
    });
    expect(people.every((r) => /^(member|invitation|tenant)\./.test(r.action))).toBe(true);
    expect(await asAda.audit.list({ limit: 50, area: "salesforce" })).toEqual([]);
    expect((await asAda.audit.list({ limit: 50, outcome: "success" })).length).toBe(actions.length);
  });

  it("revokes a pending invitation so its link no longer works", async () => {
    const owner = await api.signUp({ name: "Rae Revoke", email: "rae@revoke.test", tenantName: "Revoke Co" });
    const asOwner = await api.caller(owner.cookie);
    const invitation = await asOwner.invitation.create({ email: "late@revoke.test", role: "viewer" });
    await asOwner.invitation.revoke({ invitationId: invitation.id });
    const late = await api.signUp({ name: "Late", email: "late@revoke.test" });
    await expect((await api.caller(late.cookie)).invitation.accept({ invitationId: invitation.id })).rejects.toThrow(/already canceled/);
  });
});
