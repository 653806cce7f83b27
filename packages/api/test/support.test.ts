import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pushQueue, salesforceConnections, sessions, supportAccessGrants, syncRuns, syncStates, users } from "@ferry/db";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { createEmitter } from "@ferry/realtime";
import { setPlatformStaff, sweepSupportAccess } from "@ferry/services";
import { afterSupportEnded } from "../src";
import type { ApiHarness } from "./harness";
import { codeOf, databaseDigest, signUpStaff, supportHarness, waitUntil } from "./support-fixtures";

const backends = await availableBackends();

describe.each(backends)("support console and tenant impersonation on %s", (backend) => {
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

  it("enters a tenant read-only with a reason, elevates with another, acts, ends, and the tenant's admins read all of it", async () => {
    const owner = await api.signUp({ name: "Olga Owner", email: "olga@initech.test", tenantName: "Initech" });
    const staff = await signUpStaff(api, database, "Sam Support", "sam@ferry.test");
    const asStaff = await api.caller(staff.cookie);

    expect(await codeOf(asStaff.support.start({ tenantId: owner.tenantId!, reason: "too short" }))).toBe("BAD_REQUEST");
    expect(await codeOf(asStaff.member.list())).toBe("FORBIDDEN");

    const grant = await asStaff.support.start({ tenantId: owner.tenantId!, reason: "Customer asked why the sync stopped", ticket: "SUP-1234" });
    expect(grant.mode).toBe("read");
    expect(grant.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(3600_000);
    expect(grant.expiresAt.getTime() - Date.now()).toBeGreaterThan(3590_000);
    expect(await codeOf(asStaff.support.start({ tenantId: owner.tenantId!, reason: "Second grant at once for the same staff" }))).toBe("CONFLICT");
    const other = await api.signUp({ name: "Otis Other", email: "otis@other.test", tenantName: "Other Co" });
    const racer = await api.caller((await signUpStaff(api, database, "Rex Race", "rex@ferry.test")).cookie);
    const racing = await Promise.all(
      [owner.tenantId!, other.tenantId!].map((tenantId) => codeOf(racer.support.start({ tenantId, reason: "Two starts racing each other" }))),
    );
    expect(racing.sort()).toEqual(["CONFLICT", "OK"]);
    await racer.support.end();

    const inside = await api.caller(staff.cookie);
    const members = await inside.member.list();
    expect(members.map((m) => m.email)).toEqual(["olga@initech.test"]);
    const banner = await inside.support.current();
    expect(banner).toMatchObject({ tenantName: "Initech", staffName: "Sam Support", mode: "read", active: true, ticket: "SUP-1234" });

    const before = await databaseDigest(database);
    await expect(inside.invitation.create({ email: "new@initech.test", role: "viewer" })).rejects.toThrow(/read-only; elevate/);
    expect(await codeOf(inside.member.updateRole({ membershipId: members[0]!.id, role: "viewer" }))).toBe("FORBIDDEN");
    expect(await databaseDigest(database)).toBe(before);

    expect(await codeOf(inside.support.elevate({ reason: "short" }))).toBe("BAD_REQUEST");
    await inside.support.elevate({ reason: "Resend the invitation the customer lost" });
    const elevated = await api.caller(staff.cookie);
    const invitation = await elevated.invitation.create({ email: "new@initech.test", role: "viewer" });
    // Support never hands itself (or another staff account) a role.
    await expect(elevated.invitation.create({ email: "sam@ferry.test", role: "admin" })).rejects.toThrow(/cannot give themselves a role/);
    await signUpStaff(api, database, "Stella Staff", "stella@ferry.test");
    await expect(elevated.invitation.create({ email: "stella@ferry.test", role: "admin" })).rejects.toThrow(/Ferry staff account/);
    // Ownership is for members only: elevated support counts as an admin, never an owner.
    expect(await codeOf(elevated.member.transferOwnership({ membershipId: members[0]!.id }))).toBe("FORBIDDEN");

    await elevated.support.end();
    expect(await codeOf(elevated.member.list())).toBe("FORBIDDEN");
    expect(await (await api.caller(staff.cookie)).support.current()).toBeNull();

    const log = await (await api.caller(owner.cookie)).audit.list({ limit: 50 });
    const support = log.filter((row) => row.supportGrantId === grant.grantId).reverse();
    expect(support.map((row) => row.action)).toEqual(["support.start", "support.elevate", "invitation.create", "support.end"]);
    for (const row of support) {
      expect(row).toMatchObject({ actorUserId: staff.userId, actorName: "Sam Support", actorEmail: "sam@ferry.test", outcome: "success" });
      expect(row.requestId).toBeTruthy();
    }
    expect(support[0]!.reason).toBe("Customer asked why the sync stopped");
    expect(support[1]!.reason).toBe("Resend the invitation the customer lost");
    expect(support[2]!.targetId).toBe(invitation.id);
    expect(support[3]!.details).toMatchObject({ why: "ended" });
    const told = await (await api.caller(owner.cookie)).notification.list({ limit: 10 });
    expect(told.map((n) => n.title)).toEqual(expect.arrayContaining(["Ferry support entered your tenant", "Ferry support can now make changes"]));
    expect(told.some((n) => n.title === "Ferry support entered your tenant" && n.body.includes("Sam Support"))).toBe(true);
  });

  it("never enters a tenant of a staff account or one the staff member belongs to", async () => {
    const staff = await signUpStaff(api, database, "Sid Staff", "sid@ferry.test");
    const ownTenant = await api.signUp({ name: "Pia Staffer", email: "pia@ferry.test", tenantName: "Ferry Internal" });
    const pia = await (await api.caller(ownTenant.cookie)).account.me();
    await setPlatformStaff({ db: database.platform, userId: pia!.user.id, isStaff: true });
    await expect((await api.caller(staff.cookie)).support.start({ tenantId: ownTenant.tenantId!, reason: "Looking at a colleague's tenant" })).rejects.toThrow(
      /staff account/,
    );
    await expect(
      (await api.caller(ownTenant.cookie)).support.start({ tenantId: ownTenant.tenantId!, reason: "Entering my own tenant as support" }),
    ).rejects.toThrow(/member of this tenant/);
    expect(await codeOf((await api.caller(staff.cookie)).support.start({ tenantId: "no-such-tenant", reason: "A tenant that does not exist" }))).toBe(
      "NOT_FOUND",
    );
  });

  it("loses access at expiry on the next request, and the sweep ends and audits the grant", async () => {
    const owner = await api.signUp({ name: "Eve Expiry", email: "eve@hooli.test", tenantName: "Hooli" });
    const staff = await signUpStaff(api, database, "Ed Expiry", "ed@ferry.test");
    const grant = await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Checking the failed sync run", minutes: 5 });
    expect(grant.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(300_000);
    await (await api.caller(staff.cookie)).member.list();
    // The test clock: the grant's expiry moves into the past, as if its time had run out.
    await database.platform
      .update(supportAccessGrants)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(supportAccessGrants.id, grant.grantId));
    expect(await codeOf((await api.caller(staff.cookie)).member.list())).toBe("FORBIDDEN");
    expect(await (await api.caller(staff.cookie)).support.current()).toBeNull();

    const ended = await sweepSupportAccess({ db: database.platform });
    expect(ended).toEqual([expect.objectContaining({ grantId: grant.grantId, why: "expired" })]);
    expect(await sweepSupportAccess({ db: database.platform })).toEqual([]);
    const [row] = await database.platform.select().from(supportAccessGrants).where(eq(supportAccessGrants.id, grant.grantId));
    expect(row).toMatchObject({ endReason: "expired" });
    expect(row!.endedAt).toBeInstanceOf(Date);
    const parked = await database.platform
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, staff.userId), eq(sessions.activeTenantId, owner.tenantId!)));
    expect(parked).toEqual([]);
    const log = await (await api.caller(owner.cookie)).audit.list({ limit: 10 });
    expect(log.find((r) => r.action === "support.end" && r.supportGrantId === grant.grantId)?.details).toMatchObject({ why: "expired" });
  });

  it("caps the grant at the deployment's configured ceiling", async () => {
    const short = await supportHarness(database, { supportAccessMaxSeconds: 30 });
    try {
      const owner = await short.api.signUp({ name: "Cap Owner", email: "cap@capped.test", tenantName: "Capped" });
      const staff = await signUpStaff(short.api, database, "Cap Staff", "cap@ferry.test");
      const grant = await (await short.api.caller(staff.cookie)).support.start({
        tenantId: owner.tenantId!,
        reason: "Checking the capped duration",
        minutes: 60,
      });
      expect(grant.expiresAt.getTime() - Date.now()).toBeLessThanOrEqual(30_000);
      await (await short.api.caller(staff.cookie)).support.end();
    } finally {
      await short.close();
    }
  });

  it("ends the grant when the staff flag is removed, checked on every request", async () => {
    const owner = await api.signUp({ name: "Fay Flag", email: "fay@umbrella.test", tenantName: "Umbrella" });
    const staff = await signUpStaff(api, database, "Fred Flag", "fred@ferry.test");
    await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Investigating the API cap alert" });
    await (await api.caller(staff.cookie)).support.elevate({ reason: "Customer asked us to pause the sync" });

    // Removed outside Ferry's verbs (straight in the database): the very next request is refused.
    await database.platform.update(users).set({ role: "user" }).where(eq(users.id, staff.userId));
    const after = await api.caller(staff.cookie);
    expect(await codeOf(after.member.list())).toBe("FORBIDDEN");
    expect(await codeOf(after.support.tenants({ filter: "all" }))).toBe("FORBIDDEN");
    expect(await after.support.current()).toBeNull();
    const ended = await sweepSupportAccess({ db: database.platform });
    expect(ended).toEqual([expect.objectContaining({ staffUserId: staff.userId, why: "staff_removed" })]);

    // Through the verb, the grant ends at once.
    await setPlatformStaff({ db: database.platform, userId: staff.userId, isStaff: true });
    await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Back again after re-instatement" });
    const byVerb = await setPlatformStaff({ db: database.platform, userId: staff.userId, isStaff: false });
    expect(byVerb).toEqual([expect.objectContaining({ why: "staff_removed" })]);
    expect(await codeOf((await api.caller(staff.cookie)).member.list())).toBe("FORBIDDEN");
  });

  it("moves the staff member's sockets into the tenant's room when access starts and out when it ends", async () => {
    const owner = await api.signUp({ name: "Rhea Rooms", email: "rhea@rooms.test", tenantName: "Rooms Inc" });
    const staff = await signUpStaff(api, database, "Ray Rooms", "ray@ferry.test");
    const ownerSocket = await harness.socket(owner.cookie);
    const staffSocket = await harness.socket(staff.cookie);
    const emitter = {
      emit: (event: "sync.status") => harness.realtime.io.to(`tenant:${owner.tenantId}`).emit(event, { tenantId: owner.tenantId!, state: "running" }),
    };

    emitter.emit("sync.status");
    await waitUntil(() => ownerSocket.received.some((e) => e.event === "sync.status"), "the owner's event");
    expect(staffSocket.received).toEqual([]);

    await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Watching the initial sync live" });
    await waitUntil(
      () => ownerSocket.received.some((e) => e.event === "support.access" && e.payload.state === "started"),
      "the owner's notice of support access",
    );
    await waitUntil(() => staffSocket.received.some((e) => e.event === "support.access"), "the staff member's notice");
    emitter.emit("sync.status");
    await waitUntil(() => staffSocket.received.some((e) => e.event === "sync.status"), "a tenant event reaching support");

    // Expiry, as the web server's sweep handles it: end, announce, then leave the room.
    await database.platform
      .update(supportAccessGrants)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(supportAccessGrants.staffUserId, staff.userId));
    await afterSupportEnded(
      { events: createEmitter({ kind: "inprocess", io: harness.realtime.io }), requestId: "sweep", refreshRooms: harness.refreshRooms },
      await sweepSupportAccess({ db: database.platform }),
    );
    await waitUntil(() => staffSocket.received.some((e) => e.event === "support.access" && e.payload.state === "ended"), "the end notice");
    const seen = staffSocket.received.length;
    emitter.emit("sync.status");
    await waitUntil(() => ownerSocket.received.filter((e) => e.event === "sync.status").length === 3, "the owner's third event");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(staffSocket.received.length).toBe(seen);
    const [socket] = await harness.realtime.io.in(`user:${staff.userId}`).fetchSockets();
    expect([...socket!.rooms].filter((r) => r.startsWith("tenant:"))).toEqual([]);
  });

  it("tells a staff socket that reconnected before the sweep (already outside the tenant's room) that access ended", async () => {
    const owner = await api.signUp({ name: "Nia Notice", email: "nia@notice.test", tenantName: "Notice Ltd" });
    const staff = await signUpStaff(api, database, "Ned Notice", "ned@ferry.test");
    await (await api.caller(staff.cookie)).support.start({ tenantId: owner.tenantId!, reason: "Checking the end notice on reconnect" });
    const before = await harness.socket(staff.cookie);
    await database.platform
      .update(supportAccessGrants)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(supportAccessGrants.staffUserId, staff.userId));
    // The page noticed first: its socket reopened, and the server gave it no room of the expired tenant.
    before.socket.close();
    const reopened = await harness.socket(staff.cookie);
    const [socket] = await harness.realtime.io.in(`user:${staff.userId}`).fetchSockets();
    expect([...socket!.rooms].filter((r) => r.startsWith("tenant:"))).toEqual([]);

    await afterSupportEnded(
      { events: createEmitter({ kind: "inprocess", io: harness.realtime.io }), requestId: "sweep", refreshRooms: harness.refreshRooms },
      await sweepSupportAccess({ db: database.platform }),
    );
    await waitUntil(
      () => reopened.received.some((e) => e.event === "support.access" && e.payload.state === "ended" && e.payload.tenantId === owner.tenantId),
      "the end notice on the reopened socket",
    );
    expect(reopened.received.filter((e) => e.event === "support.access")).toHaveLength(1);
  });

  it("lists every tenant with its health for staff only, with search and filters", async () => {
    const failing = await api.signUp({ name: "Fail Owner", email: "fail@failing.test", tenantName: "Failing Corp" });
    const capped = await api.signUp({ name: "Cap Owner", email: "capo@overcap.test", tenantName: "Overcap Ltd" });
    await database.platform.insert(syncStates).values([
      { tenantId: failing.tenantId!, state: "failed", message: "INVALID_SESSION_ID: session expired", apiUsed: 10, apiLimit: 1000 },
      { tenantId: capped.tenantId!, state: "running", apiUsed: 1000, apiLimit: 1000 },
    ]);
    await database.platform.insert(syncRuns).values({ tenantId: failing.tenantId!, kind: "initial", status: "failed", error: "Login failed" });
    await database.platform.insert(pushQueue).values({ tenantId: capped.tenantId!, object: "Lead", changes: { Email: "x@y.test" } });
    // Its own cap, set by its admin through the procedure: 300 of the org's 100,000 calls are over it.
    const ownCap = await api.signUp({ name: "Own Cap", email: "own@owncap.test", tenantName: "Owncap Inc" });
    await database.platform.insert(salesforceConnections).values({ tenantId: ownCap.tenantId!, state: "syncing", apiDailyLimit: 100_000 });
    await (await api.caller(ownCap.cookie)).salesforce.setApiCap({ cap: 200 });
    await database.platform.insert(syncStates).values({ tenantId: ownCap.tenantId!, state: "running", apiUsed: 300, apiLimit: 100_000 });

    const staff = await signUpStaff(api, database, "Cora Console", "cora@ferry.test");
    const asStaff = await api.caller(staff.cookie);
    const all = await asStaff.support.tenants({ filter: "all" });
    expect(all.tenants.length).toBeGreaterThanOrEqual(2);
    const failed = await asStaff.support.tenants({ filter: "failed" });
    expect(failed.tenants.map((t) => t.name)).toEqual(["Failing Corp"]);
    expect(failed.tenants[0]).toMatchObject({
      lastRun: { status: "failed", error: "Login failed" },
      sync: { state: "failed" },
      api: { used: 10, limit: 1000 },
    });
    const overCap = await asStaff.support.tenants({ filter: "over_cap" });
    expect(overCap.tenants.map((t) => t.name)).toEqual(["Overcap Ltd", "Owncap Inc"]);
    expect(overCap.tenants[0]!.backlog).toBe(1);
    expect(overCap.tenants[1]!.api).toEqual({ used: 300, limit: 100_000, cap: 200 });
    expect((await asStaff.support.tenants({ filter: "all", search: "overc" })).tenants.map((t) => t.name)).toEqual(["Overcap Ltd"]);
    expect((await asStaff.support.tenants({ filter: "all", search: "100%_" })).tenants).toEqual([]);

    const detail = await asStaff.support.tenant({ tenantId: failing.tenantId! });
    expect(detail.runs.map((r) => r.status)).toEqual(["failed"]);
    expect(detail.audit.map((a) => a.action)).toContain("tenant.create");
    expect(detail.members).toEqual([expect.objectContaining({ email: "fail@failing.test", role: "owner" })]);

    const asCustomer = await api.caller(failing.cookie);
    expect(await codeOf(asCustomer.support.tenants({ filter: "all" }))).toBe("FORBIDDEN");
    expect(await codeOf(asCustomer.support.tenant({ tenantId: capped.tenantId! }))).toBe("FORBIDDEN");
    expect(await codeOf(asCustomer.support.start({ tenantId: capped.tenantId!, reason: "A customer trying to get in" }))).toBe("FORBIDDEN");
    expect(await codeOf((await api.caller()).support.tenants({ filter: "all" }))).toBe("UNAUTHORIZED");
    expect(await codeOf(asStaff.support.tenant({ tenantId: "missing" }))).toBe("NOT_FOUND");
  });
});
