import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog, emailOutbox, memberships, tenants, users } from "@ferry/db";
import { availableBackends } from "@ferry/db/testing";
import { dispose, startPortal, type PortalServer } from "./http-harness";

const backends = await availableBackends();
const STAFF = "staff-listed@ferry.test";
const PASSWORD = "correct horse battery";

describe.each(backends)("better-auth behind Ferry's door, over HTTP on %s", (backend) => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  let db: PortalServer["runtime"]["database"]["db"];

  async function signUp(name: string, email: string, tenantName?: string) {
    const reply = await portal.trpc("mutation", "account.signUp", { name, email, password: PASSWORD, ...(tenantName ? { tenantName } : {}) });
    expect(reply.status, `sign-up of ${email}: ${reply.message}`).toBe(200);
    return { cookie: reply.cookies.join("; "), tenantId: (reply.data as { tenantId: string | null }).tenantId };
  }
  const auditActions = async (tenantId: string) =>
    (await db.select({ action: auditLog.action }).from(auditLog).where(eq(auditLog.tenantId, tenantId))).map((r) => r.action);

  let owner: { cookie: string; tenantId: string | null };
  let admin: { cookie: string };
  let viewer: { cookie: string };
  let ids: { owner: string; admin: string; viewer: string };

  beforeAll(async () => {
    portal = await startPortal(backend, { FERRY_BOOTSTRAP_STAFF_EMAILS: STAFF, FERRY_TRUSTED_PROXIES: "127.0.0.2" });
    db = portal.runtime.database.platform;
    owner = await signUp("Olga Owner", "olga@door.test", "Door Co");
    for (const [email, role] of [
      ["adam@door.test", "admin"],
      ["vera@door.test", "viewer"],
    ] as const) {
      const invite = await portal.trpc("mutation", "invitation.create", { email, role }, { cookie: owner.cookie });
      expect(invite.status, invite.message).toBe(200);
      const joined = await signUp(role === "admin" ? "Adam Admin" : "Vera Viewer", email);
      const accepted = await portal.trpc("mutation", "invitation.accept", { invitationId: (invite.data as { id: string }).id }, { cookie: joined.cookie });
      expect(accepted.status, accepted.message).toBe(200);
      if (role === "admin") admin = joined;
      else viewer = joined;
    }
    // Point the joiners' sessions at the tenant, as the portal's tenant switcher does.
    for (const who of [admin, viewer])
      expect((await portal.trpc("mutation", "account.switchTenant", { tenantId: owner.tenantId }, { cookie: who.cookie })).status).toBe(200);
    const members = (await portal.trpc("query", "member.list", undefined, { cookie: owner.cookie })).data as { id: string; email: string }[];
    const idOf = (email: string) => members.find((m) => m.email === email)!.id;
    ids = { owner: idOf("olga@door.test"), admin: idOf("adam@door.test"), viewer: idOf("vera@door.test") };
  }, 120_000);

  afterAll(async () => {
    await portal?.close();
    if (portal) await dispose(portal);
  });

  it("refuses the takeover at its first step, and the invite, promote, rename and session-listing calls, with 404 and nothing changed", async () => {
    const rolesBefore = await db.select({ id: memberships.id, role: memberships.role }).from(memberships).where(eq(memberships.tenantId, owner.tenantId!));
    const [tenantBefore] = await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, owner.tenantId!));
    const auditBefore = await auditActions(owner.tenantId!);
    const attempts: [string, string, unknown][] = [
      [admin.cookie, "/api/auth/organization/update-member-role", { memberId: ids.admin, role: "member" }],
      [admin.cookie, "/api/auth/organization/update-member-role", { memberId: ids.viewer, role: "admin" }],
      [admin.cookie, "/api/auth/organization/invite-member", { email: "puppet@door.test", role: "member" }],
      [admin.cookie, "/api/auth/organization/update", { data: { name: "Taken Co" } }],
      [admin.cookie, "/api/auth/organization/remove-member", { memberIdOrEmail: ids.owner }],
      [admin.cookie, "/api/auth/organization/leave", { organizationId: owner.tenantId }],
      [owner.cookie, "/api/auth/organization/create", { name: "Second", slug: "second" }],
      [admin.cookie, "/api/auth/admin/list-user-sessions", { userId: "any" }],
    ];
    for (const [cookie, pathname, body] of attempts) {
      const reply = await portal.send("POST", pathname, { cookie, body });
      expect(reply.status, pathname).toBe(404);
    }
    expect(await db.select({ id: memberships.id, role: memberships.role }).from(memberships).where(eq(memberships.tenantId, owner.tenantId!))).toEqual(
      rolesBefore,
    );
    expect((await db.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, owner.tenantId!)))[0]).toEqual(tenantBefore);
    expect(await auditActions(owner.tenantId!)).toEqual(auditBefore);
  });

  it("keeps session tokens from staff: better-auth's admin session listing is not served", async () => {
    const staff = await signUp("Sid Staff", "sid@door.test", "Sid Co");
    await db.update(users).set({ role: "staff" }).where(eq(users.email, "sid@door.test"));
    const [target] = await db.select({ id: users.id }).from(users).where(eq(users.email, "olga@door.test"));
    for (const method of ["POST", "GET"]) {
      const reply = await portal.send(method, "/api/auth/admin/list-user-sessions", {
        cookie: staff.cookie,
        ...(method === "POST" ? { body: { userId: target!.id } } : {}),
      });
      expect(reply.status).toBe(404);
      expect(reply.text).not.toMatch(/token/i);
    }
  });

  it("does the same acts through Ferry's own API, each with its audit row", async () => {
    const promote = await portal.trpc("mutation", "member.updateRole", { membershipId: ids.viewer, role: "admin" }, { cookie: admin.cookie });
    expect(promote.status, promote.message).toBe(200);
    const invite = await portal.trpc("mutation", "invitation.create", { email: "new@door.test", role: "viewer" }, { cookie: admin.cookie });
    expect(invite.status, invite.message).toBe(200);
    // An admin cannot take ownership; the owner can hand it over.
    expect((await portal.trpc("mutation", "member.transferOwnership", { membershipId: ids.admin }, { cookie: admin.cookie })).code).toBe("FORBIDDEN");
    const transfer = await portal.trpc("mutation", "member.transferOwnership", { membershipId: ids.admin }, { cookie: owner.cookie });
    expect(transfer.status, transfer.message).toBe(200);
    const remove = await portal.trpc("mutation", "member.remove", { membershipId: ids.viewer }, { cookie: admin.cookie });
    expect(remove.status, remove.message).toBe(200);
    const actions = await auditActions(owner.tenantId!);
    for (const action of ["member.role_change", "invitation.create", "member.transfer_ownership", "member.remove"]) expect(actions).toContain(action);
    const [change] = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, owner.tenantId!), eq(auditLog.action, "member.role_change")));
    expect(change!.actorEmail).toBe("adam@door.test");
    expect(change!.details).toMatchObject({ from: "viewer", to: "admin" });
  });

  it("throttles sign-in per account and address with 429 and Retry-After; another address still signs in", async () => {
    await signUp("Tina Throttle", "tina@door.test", "Throttle Co");
    const wrong = { email: "tina@door.test", password: "wrong password!" };
    // From 127.0.0.3, not a trusted proxy: its X-Forwarded-For is ignored, so rotating it changes nothing.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (await portal.send("POST", "/api/auth/sign-in/email", { body: wrong, from: "127.0.0.3", headers: { "x-forwarded-for": `203.0.113.${i}` } })).status,
      );
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const locked = await portal.send("POST", "/api/auth/sign-in/email", { body: { email: "tina@door.test", password: PASSWORD }, from: "127.0.0.3" });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect((locked.json as { message: string }).message).toMatch(/Try again in \d+ minute/);
    // The victim at their own address is not locked out by the attacker's failures.
    const victim = await portal.send("POST", "/api/auth/sign-in/email", { body: { email: "tina@door.test", password: PASSWORD }, from: "127.0.0.4" });
    expect(victim.status).toBe(200);
    expect(victim.cookies.some((c) => c.includes("session_token="))).toBe(true);
  });

  it("believes X-Forwarded-For only from a trusted proxy", async () => {
    await signUp("Pia Proxy", "pia@door.test", "Proxy Co");
    const wrong = { email: "pia@door.test", password: "wrong password!" };
    // Through the trusted proxy (127.0.0.2), five failures of client 198.51.100.7 lock that client out ...
    for (let i = 0; i < 5; i++)
      expect(
        (await portal.send("POST", "/api/auth/sign-in/email", { body: wrong, from: "127.0.0.2", headers: { "x-forwarded-for": "198.51.100.7" } })).status,
      ).toBe(401);
    expect(
      (await portal.send("POST", "/api/auth/sign-in/email", { body: wrong, from: "127.0.0.2", headers: { "x-forwarded-for": "198.51.100.7" } })).status,
    ).toBe(429);
    // ... a left-most address a client wrote itself does not get it out ...
    expect(
      (await portal.send("POST", "/api/auth/sign-in/email", { body: wrong, from: "127.0.0.2", headers: { "x-forwarded-for": "10.1.1.1, 198.51.100.7" } }))
        .status,
    ).toBe(429);
    // ... and another client behind the same proxy signs in.
    const other = await portal.send("POST", "/api/auth/sign-in/email", {
      body: { email: "pia@door.test", password: PASSWORD },
      from: "127.0.0.2",
      headers: { "x-forwarded-for": "198.51.100.8" },
    });
    expect(other.status).toBe(200);
  });

  it("slows a guess spread over many addresses without locking out an address the account signs in from", async () => {
    await signUp("Dora Distributed", "dora@door.test", "Distributed Co");
    const home = await portal.send("POST", "/api/auth/sign-in/email", {
      body: { email: "dora@door.test", password: PASSWORD },
      from: "127.0.0.2",
      headers: { "x-forwarded-for": "192.0.2.1" },
    });
    expect(home.status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) {
      const reply = await portal.send("POST", "/api/auth/sign-in/email", {
        body: { email: "dora@door.test", password: "wrong password!" },
        from: "127.0.0.2",
        headers: { "x-forwarded-for": `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}` },
      });
      statuses.push(reply.status);
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(50);
    expect(statuses.slice(50)).toEqual([429, 429, 429, 429, 429]);
    // A new address with the right password is held back too while the guessing lasts ...
    expect(
      (
        await portal.send("POST", "/api/auth/sign-in/email", {
          body: { email: "dora@door.test", password: PASSWORD },
          from: "127.0.0.2",
          headers: { "x-forwarded-for": "198.18.9.9" },
        })
      ).status,
    ).toBe(429);
    // ... but the address Dora signed in from before is not.
    expect(
      (
        await portal.send("POST", "/api/auth/sign-in/email", {
          body: { email: "dora@door.test", password: PASSWORD },
          from: "127.0.0.2",
          headers: { "x-forwarded-for": "192.0.2.1" },
        })
      ).status,
    ).toBe(200);
  }, 180_000); // 56 password checks (scrypt) on PGlite: slow on a loaded machine, not timed

  it("grants bootstrap staff only once the address is verified through the link in the outbox", async () => {
    const staff = await signUp("Listed Staff", STAFF, "Staff Home");
    const me = async () =>
      (await portal.trpc("query", "account.me", undefined, { cookie: staff.cookie })).data as { user: { isStaff: boolean; emailVerified: boolean } };
    expect((await me()).user).toMatchObject({ isStaff: false, emailVerified: false });
    const outbox = (await portal.trpc("query", "outbox.list", { limit: 10 }, { cookie: staff.cookie })).data as { to: string; link: string; subject: string }[];
    const mail = outbox.find((m) => m.to === STAFF && /Confirm your email/.test(m.subject));
    expect(mail, "a verification mail in the new tenant's outbox").toBeDefined();
    expect(mail!.link).toMatch(new RegExp(`^${portal.url}/api/auth/verify-email\\?token=`));
    // A forged token proves nothing.
    const forged = await portal.send("GET", `/api/auth/verify-email?token=${mail!.link.split("token=")[1]!.split("&")[0]!.slice(0, -4)}AAAA`);
    expect(forged.status).toBeGreaterThanOrEqual(300);
    expect((await me()).user.isStaff).toBe(false);
    const opened = await portal.send("GET", mail!.link.slice(portal.url.length));
    expect(opened.status).toBe(302);
    expect((await me()).user).toMatchObject({ isStaff: true, emailVerified: true });
  });

  it("sends the verification link again from the notice, at most once a minute", async () => {
    const joined = await signUp("Nina Notice", "nina@door.test", "Notice Co");
    const again = await portal.trpc("mutation", "account.sendVerification", undefined, { cookie: joined.cookie });
    expect(again.code).toBe("TOO_MANY_REQUESTS");
    const mails = await db.select().from(emailOutbox).where(eq(emailOutbox.to, "nina@door.test"));
    expect(mails).toHaveLength(1);
    await db
      .update(emailOutbox)
      .set({ createdAt: new Date(Date.now() - 120_000) })
      .where(eq(emailOutbox.to, "nina@door.test"));
    const sent = await portal.trpc("mutation", "account.sendVerification", undefined, { cookie: joined.cookie });
    expect(sent.status, sent.message).toBe(200);
    expect(await db.select().from(emailOutbox).where(eq(emailOutbox.to, "nina@door.test"))).toHaveLength(2);
  });

  it("refuses a lone surrogate in the company name with a clear 400, writing nothing, so the retry succeeds", async () => {
    const email = "sue@door.test";
    const bad = await portal.trpc("mutation", "account.signUp", { name: "Sue Surrogate", email, password: PASSWORD, tenantName: "Bad \ud800 Co" });
    expect(bad.status).toBe(400);
    expect(bad.message).toMatch(/^tenantName: text holds a lone surrogate/);
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    const nonchar = await portal.trpc("mutation", "account.signUp", { name: "Sue \uffff", email, password: PASSWORD, tenantName: "Fine Co" });
    expect(nonchar.status).toBe(400);
    expect(nonchar.message).toMatch(/noncharacter/);
    const good = await portal.trpc("mutation", "account.signUp", { name: "Sue Surrogate", email, password: PASSWORD, tenantName: "Good Co" });
    expect(good.status, good.message).toBe(200);
  });

  it("removes the account again when the tenant cannot be created, so a retry is not met with 'already exists'", async () => {
    // A real failure inside the database after better-auth committed the user.
    await portal.runtime.database.platform.execute(
      sql.raw(
        `CREATE FUNCTION refuse_exploding_tenant() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.name = 'Exploding Co' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$`,
      ),
    );
    await portal.runtime.database.platform.execute(
      sql.raw(`CREATE TRIGGER refuse_exploding_tenant BEFORE INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION refuse_exploding_tenant()`),
    );
    const email = "eve@door.test";
    const failed = await portal.trpc("mutation", "account.signUp", { name: "Eve Explode", email, password: PASSWORD, tenantName: "Exploding Co" });
    expect(failed.status).toBe(500);
    expect(failed.cookies).toEqual([]);
    expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);
    expect(await db.select().from(tenants).where(eq(tenants.name, "Exploding Co"))).toHaveLength(0);
    await portal.runtime.database.platform.execute(sql.raw(`DROP TRIGGER refuse_exploding_tenant ON tenants`));
    const retried = await portal.trpc("mutation", "account.signUp", { name: "Eve Explode", email, password: PASSWORD, tenantName: "Exploding Co" });
    expect(retried.status, retried.message).toBe(200);
    expect((retried.data as { tenantId: string }).tenantId).toBeTruthy();
  });
});

describe.each(backends)("FERRY_BOOTSTRAP_STAFF_EMAILS at boot on %s", (backend) => {
  it("makes an existing account staff at boot only when its address is verified; the other becomes staff when it opens its link", async () => {
    const first = await startPortal(backend);
    let second: Awaited<ReturnType<typeof startPortal>> | undefined;
    let firstOpen = true;
    try {
      const links: Record<string, string> = {};
      const cookies: Record<string, string> = {};
      for (const email of ["boot-verified@ferry.test", "boot-unverified@ferry.test"]) {
        const reply = await first.trpc("mutation", "account.signUp", { name: "Boot Staff", email, password: PASSWORD, tenantName: `Desk of ${email}` });
        expect(reply.status, reply.message).toBe(200);
        cookies[email] = reply.cookies.join("; ");
        const outbox = (await first.trpc("query", "outbox.list", { limit: 5 }, { cookie: cookies[email] })).data as { to: string; link: string }[];
        links[email] = new URL(outbox.find((m) => m.to === email)!.link).pathname + new URL(outbox.find((m) => m.to === email)!.link).search;
      }
      expect((await first.send("GET", links["boot-verified@ferry.test"]!)).status).toBe(302);
      await first.close();
      firstOpen = false;

      second = await startPortal(backend, { FERRY_BOOTSTRAP_STAFF_EMAILS: "boot-verified@ferry.test, boot-unverified@ferry.test" }, first);
      const isStaff = async (email: string) =>
        ((await second!.trpc("query", "account.me", undefined, { cookie: cookies[email] })).data as { user: { isStaff: boolean } }).user.isStaff;
      expect(await isStaff("boot-verified@ferry.test")).toBe(true);
      expect(await isStaff("boot-unverified@ferry.test")).toBe(false);
      expect((await second.send("GET", links["boot-unverified@ferry.test"]!)).status).toBe(302);
      expect(await isStaff("boot-unverified@ferry.test")).toBe(true);
    } finally {
      if (firstOpen) await first.close();
      await second?.close();
      await dispose(first);
    }
  }, 120_000);
});
