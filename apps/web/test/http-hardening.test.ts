import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditLog } from "@ferry/db";
import { availableBackends } from "@ferry/db/testing";
import { dispose, startPortal, type Reply } from "./http-harness";

const backends = await availableBackends();
const PASSWORD = "correct horse battery";

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "content-security-policy": "frame-ancestors 'none'",
  "referrer-policy": "same-origin",
};

function expectSecurityHeaders(reply: Reply, what: string) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(reply.headers[name], `${name} on ${what}`).toBe(value);
}

describe.each(backends)("the portal's HTTP hardening on %s", (backend) => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  let owner: { cookie: string; tenantId: string };

  beforeAll(async () => {
    portal = await startPortal(backend);
    const reply = await portal.trpc("mutation", "account.signUp", {
      name: "Hana Hardening",
      email: "hana@hardening.test",
      password: PASSWORD,
      tenantName: "Hardening Co",
    });
    expect(reply.status, reply.message).toBe(200);
    owner = { cookie: reply.cookies.join("; "), tenantId: (reply.data as { tenantId: string }).tenantId };
  }, 120_000);

  afterAll(async () => {
    await portal?.close();
    if (portal) await dispose(portal);
  });

  it("answers a malformed percent-encoding in any path with 400 and a message, not 500", async () => {
    const trpcPaths = ["/api/trpc/%ZZ?batch=1", "/api/trpc/account.me%ZZ?batch=1&input=%7B%7D", "/api/trpc/account.me%ff"];
    for (const pathname of trpcPaths) {
      const reply = await portal.send("GET", pathname, { cookie: owner.cookie });
      expect(reply.status, pathname).toBe(400);
      const body = reply.json as { error: { json: { message: string; data: { code: string } } } };
      expect(body.error.json.data.code, pathname).toBe("BAD_REQUEST");
      expect(body.error.json.message, pathname).toMatch(/malformed percent-encoding/);
    }
    // Pages: refused before Next (here a stand-in that would answer 404) decodes the params.
    for (const pathname of ["/records/%ff/%ff", "/support/%ff", "/api/auth/%ZZ", "/%E0%A4%A"]) {
      const reply = await portal.send("GET", pathname, { cookie: owner.cookie });
      expect(reply.status, pathname).toBe(400);
      expect((reply.json as { message: string }).message, pathname).toMatch(/malformed percent-encoding/);
    }
    // Well-formed encodings still reach their routes.
    expect((await portal.send("GET", "/records/Account%20Name/%C3%A9t%C3%A9")).status).toBe(404);
    expect((await portal.send("GET", "/api/trpc/account.me?batch=1&input=%7B%7D", { cookie: owner.cookie })).status).toBe(200);
  });

  it("sends the security headers on pages, API, auth, health and refusals alike, without HSTS over http", async () => {
    const probes: [string, string, { body?: unknown; cookie?: string }][] = [
      ["GET", "/settings", {}],
      ["GET", "/healthz", {}],
      ["GET", "/api/trpc/account.me?batch=1&input=%7B%7D", { cookie: owner.cookie }],
      ["GET", "/api/auth/get-session", { cookie: owner.cookie }],
      ["POST", "/api/auth/sign-in/email", { body: { email: "hana@hardening.test", password: "wrong password here" } }],
      ["GET", "/api/auth/organization/list-members", {}],
      ["GET", "/records/%ff", {}],
    ];
    for (const [method, pathname, options] of probes) {
      const reply = await portal.send(method, pathname, options);
      expectSecurityHeaders(reply, `${method} ${pathname} (${reply.status})`);
      expect(reply.headers["strict-transport-security"], pathname).toBeUndefined();
    }
  });

  it("sends Strict-Transport-Security when PUBLIC_URL is https", async () => {
    const secure = await startPortal(backend, { PUBLIC_URL: "https://portal.hardening.test" });
    try {
      for (const pathname of ["/healthz", "/settings", "/api/auth/get-session"]) {
        const reply = await secure.send("GET", pathname);
        expectSecurityHeaders(reply, pathname);
        expect(reply.headers["strict-transport-security"], pathname).toBe("max-age=31536000; includeSubDomains");
      }
    } finally {
      await secure.close();
      await dispose(secure);
    }
  });

  it("stores a well-formed X-Request-Id in the audit row and replaces a forged or oversized one", async () => {
    const invite = async (email: string, requestId: string) => {
      const reply = await portal.send("POST", "/api/trpc/invitation.create", {
        cookie: owner.cookie,
        body: { json: { email, role: "viewer" } },
        headers: { "x-request-id": requestId },
      });
      expect(reply.status, reply.text).toBe(200);
      const [row] = await portal.runtime.database.platform
        .select({ requestId: auditLog.requestId })
        .from(auditLog)
        .where(
          and(
            eq(auditLog.tenantId, owner.tenantId),
            eq(auditLog.action, "invitation.create"),
            eq(auditLog.targetId, (reply.json as { result: { data: { json: { id: string } } } }).result.data.json.id),
          ),
        );
      return row?.requestId;
    };
    const uuid = "3f2b8c1e-9a4d-4e6f-8b2a-1c5d7e9f0a12";
    expect(await invite("uuid@hardening.test", uuid)).toBe(uuid);
    expect(await invite("token@hardening.test", "trace.abc_123-XYZ")).toBe("trace.abc_123-XYZ");

    const UUID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const [email, forged] of [
      ["long@hardening.test", "a".repeat(8000)],
      ["sixty-five@hardening.test", "b".repeat(65)],
      ["spaces@hardening.test", "admin did this; see ticket 42"],
      ["quote@hardening.test", `x","actor":"staff`],
    ] as const) {
      const stored = await invite(email, forged);
      expect(stored, email).not.toBe(forged);
      expect(stored, email).toMatch(UUID_SHAPE);
    }
  });
});
