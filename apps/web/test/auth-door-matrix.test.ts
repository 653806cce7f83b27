import { createHash } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAllowedAuthEndpoint, servedAuthEndpoints } from "@ferry/auth";
import { sessions, users } from "@ferry/db";
import { availableBackends } from "@ferry/db/testing";
import { dispose, startPortal, type Reply } from "./http-harness";

/**
 * /api/auth/* in the isolation matrix and the fuzzer: every method and path better-auth would
 * serve (read from the instance, not a hand list), as every kind of caller, with hostile bodies.
 * Not allowed → 404 with nothing changed; allowed → never another tenant's data, never a 5xx.
 */
const backends = await availableBackends();
const PASSWORD = "correct horse battery";

const hostileBodies: unknown[] = [
  undefined,
  {},
  null,
  [],
  "text",
  { email: "x".repeat(12_000) + "@x.test", password: "p" },
  { email: "a\ud800@x.test", password: "\udfff" },
  { email: "\uffff@x.test", password: "\ufdd0" },
  { email: "' OR 1=1 --", password: { $gt: "" } },
  { memberId: "*", role: "owner", organizationId: "%", userId: "../../", data: { name: "\u0000" } },
  { token: "A".repeat(20_000) },
];

describe.each(backends)("/api/auth/* in the isolation matrix and the fuzzer on %s", (backend) => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  const who: Record<"ownerA" | "adminA" | "staff" | "ownerB", { cookie: string; email: string }> = {} as never;
  const markersB: string[] = [];

  async function signUp(name: string, email: string, tenantName?: string) {
    const reply = await portal.trpc("mutation", "account.signUp", { name, email, password: PASSWORD, ...(tenantName ? { tenantName } : {}) });
    expect(reply.status, reply.message).toBe(200);
    return { cookie: reply.cookies.join("; "), email, tenantId: (reply.data as { tenantId: string | null }).tenantId };
  }

  /** Every row of every public table except what any authenticated request slides (session expiry) and the throttle's counters. */
  async function digest(): Promise<string> {
    const db = portal.runtime.database.platform;
    const rows = (r: unknown) => (r as { rows?: unknown[] }).rows ?? (r as unknown[]);
    const tables = rows(
      await db.execute(sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`),
    ) as { table_name: string }[];
    const hash = createHash("sha256");
    for (const { table_name: table } of tables) {
      if (table === "sign_in_throttle") continue;
      const query =
        table === "sessions" ? `select id, token, user_id, active_tenant_id from sessions order by id` : `select t::text as row from "${table}" t order by 1`;
      hash.update(table).update(JSON.stringify(rows(await db.execute(sql.raw(query)))));
    }
    return hash.digest("hex");
  }

  beforeAll(async () => {
    portal = await startPortal(backend);
    const ownerA = await signUp("Ann Owner", "ann@matrix-a.test", "Matrix A");
    const ownerB = await signUp("Ben Owner", "ben@matrix-b.test", "Matrix B");
    const invite = await portal.trpc("mutation", "invitation.create", { email: "ada@matrix-a.test", role: "admin" }, { cookie: ownerA.cookie });
    const adminA = await signUp("Ada Admin", "ada@matrix-a.test");
    await portal.trpc("mutation", "invitation.accept", { invitationId: (invite.data as { id: string }).id }, { cookie: adminA.cookie });
    const staff = await signUp("Sal Staff", "sal@ferry.test");
    await portal.runtime.database.platform.update(users).set({ role: "staff" }).where(eq(users.email, "sal@ferry.test"));
    Object.assign(who, { ownerA, adminA, staff, ownerB });
    const membersB = (await portal.trpc("query", "member.list", undefined, { cookie: ownerB.cookie })).data as { id: string; userId: string }[];
    const [sessionB] = await portal.runtime.database.platform.select({ token: sessions.token }).from(sessions).where(eq(sessions.userId, membersB[0]!.userId));
    markersB.push(ownerB.tenantId!, "ben@matrix-b.test", "Matrix B", membersB[0]!.id, membersB[0]!.userId, sessionB!.token);
  }, 120_000);

  afterAll(async () => {
    await portal?.close();
    if (portal) await dispose(portal);
  });

  const callers = () => [["anonymous", undefined], ...Object.entries(who).map(([name, w]) => [name, w.cookie])] as [string, string | undefined][];

  it("enumerates what better-auth would serve, organization and admin endpoints included", () => {
    const served = servedAuthEndpoints(portal.runtime.auth);
    const paths = served.map((e) => `${e.method} ${e.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        "POST /organization/update-member-role",
        "POST /organization/invite-member",
        "POST /organization/update",
        "POST /admin/list-user-sessions",
        "POST /sign-in/email",
      ]),
    );
    expect(served.length).toBeGreaterThan(50);
    const allowed = served
      .filter((e) => isAllowedAuthEndpoint(e.method, e.path))
      .map((e) => `${e.method} ${e.path}`)
      .sort();
    expect(allowed).toEqual(["GET /get-session", "GET /verify-email", "POST /revoke-sessions", "POST /sign-in/email", "POST /sign-out"]);
  });

  it("answers 404 to every endpoint not on the allow-list, as every caller, with any body, changing nothing", async () => {
    const before = await digest();
    let tried = 0;
    for (const endpoint of servedAuthEndpoints(portal.runtime.auth)) {
      if (isAllowedAuthEndpoint(endpoint.method, endpoint.path)) continue;
      const pathname = `/api/auth${endpoint.path.replace(/:[a-zA-Z]+/g, "x")}`;
      for (const [name, cookie] of callers()) {
        for (const body of endpoint.method === "GET"
          ? [undefined]
          : hostileBodies.slice(0, 4).concat([{ memberId: "m", role: "member", organizationId: "o", userId: "u", data: { name: "Taken" } }])) {
          const reply = await portal.send(endpoint.method, pathname, { cookie, ...(body === undefined ? {} : { body }) });
          tried++;
          expect(reply.status, `${endpoint.method} ${pathname} as ${name}`).toBe(404);
          expect(reply.cookies, `${endpoint.method} ${pathname} as ${name} set a cookie`).toEqual([]);
        }
      }
    }
    expect(tried).toBeGreaterThan(250);
    expect(await digest(), "a refused /api/auth call changed data").toBe(before);
  });

  it("answers 404 to path spellings and methods that are not exactly an allowed endpoint", async () => {
    const variants = [
      ["POST", "/api/auth/organization%2Fupdate-member-role"],
      ["POST", "/api/auth//organization/update-member-role"],
      ["POST", "/api/auth/Organization/Update-Member-Role"],
      ["POST", "/api/auth/sign-in/email/../../organization/update"],
      ["POST", "/api/auth/sign-in/email/"],
      ["POST", "/api/auth/SIGN-IN/EMAIL"],
      ["GET", "/api/auth/sign-in/email"],
      ["PUT", "/api/auth/sign-in/email"],
      ["POST", "/api/auth/get-session"],
      ["HEAD", "/api/auth/get-session"],
      ["OPTIONS", "/api/auth/organization/update"],
      ["DELETE", "/api/auth/sign-out"],
      ["GET", "/api/auth/"],
      ["GET", "/api/auth/ok"],
      ["GET", "/api/auth/reference"],
      ["POST", "/api/auth/admin/list-user-sessions;.json"],
    ] as const;
    for (const [method, pathname] of variants) {
      const reply = await portal.send(method, pathname, {
        cookie: who.staff.cookie,
        ...(method === "POST" ? { body: { userId: "u", memberId: "m", role: "member" } } : {}),
      });
      expect(reply.status, `${method} ${pathname}`).toBe(404);
    }
  });

  it("serves the allowed endpoints without another tenant's data and without a 5xx, whatever the body", async () => {
    const leaks = (reply: Reply) => markersB.filter((m) => reply.text.includes(m));
    const sessionsOfB = async () =>
      (
        await portal.runtime.database.platform
          .select({ id: sessions.id })
          .from(sessions)
          .innerJoin(users, eq(users.id, sessions.userId))
          .where(eq(users.email, "ben@matrix-b.test"))
      ).length;
    const bSessions = await sessionsOfB();
    for (const [name, cookie] of callers()) {
      if (name === "ownerB") continue;
      const session = await portal.send("GET", "/api/auth/get-session", { cookie });
      expect(session.status).toBe(200);
      expect(leaks(session), `get-session as ${name}`).toEqual([]);
      for (const body of hostileBodies) {
        for (const pathname of ["/api/auth/sign-in/email", "/api/auth/revoke-sessions"]) {
          const reply = await portal.send("POST", pathname, { cookie, ...(body === undefined ? {} : { body }), from: "127.0.0.9" });
          expect(reply.status, `POST ${pathname} as ${name} with ${JSON.stringify(body)?.slice(0, 60)}`).toBeLessThan(500);
          expect(leaks(reply), `POST ${pathname} as ${name}`).toEqual([]);
        }
      }
      // Already URL-encoded; %ED%A0%80 is a lone surrogate in UTF-8, %00 a NUL.
      for (const token of ["", "x", "A".repeat(5000), "eyJhbGciOiJub25lIn0.eyJlbWFpbCI6ImJlbkBtYXRyaXgtYi50ZXN0In0.", "%ED%A0%80", "%00", "%EF%BF%BF"]) {
        const reply = await portal.send("GET", `/api/auth/verify-email?token=${token}`, { cookie });
        expect(reply.status, `verify-email as ${name} with ${token.slice(0, 20)}`).toBeLessThan(500);
        expect(reply.status).not.toBe(200);
        expect(leaks(reply)).toEqual([]);
      }
    }
    // Signing in as A hands back A, never B; revoking A's sessions leaves B's.
    const signIn = await portal.send("POST", "/api/auth/sign-in/email", { body: { email: "ann@matrix-a.test", password: PASSWORD }, from: "127.0.0.10" });
    expect(signIn.status).toBe(200);
    expect(leaks(signIn)).toEqual([]);
    // The session token stays in the httpOnly cookie: no JSON body repeats it to page scripts.
    const token = decodeURIComponent(signIn.cookies.find((c) => c.includes("session_token="))!.split("=")[1]!).split(".")[0]!;
    expect(signIn.text).not.toContain(token);
    const own = await portal.send("GET", "/api/auth/get-session", { cookie: signIn.cookies.join("; ") });
    expect((own.json as { user: { email: string } }).user.email).toBe("ann@matrix-a.test");
    expect(own.text).not.toContain(token);
    expect((await portal.send("POST", "/api/auth/revoke-sessions", { cookie: signIn.cookies.join("; "), body: {} })).status).toBe(200);
    expect(await sessionsOfB()).toBe(bSessions);
    const [stillB] = await portal.runtime.database.platform.select({ email: users.email }).from(users).where(eq(users.email, "ben@matrix-b.test"));
    expect(stillB).toBeDefined();
  });
});
