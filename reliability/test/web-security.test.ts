import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { io as connectSocket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { encode } from "../src/fuzz";
import { noteSecret, record } from "../src/harness";
import { startWebProcess, type WebProcess } from "../src/web";

/**
 * Issue 13 over HTTP against the real web process (Postgres mode): cross-site requests refused
 * before any handler runs, the batch and body caps, and the four inputs that used to answer 500.
 */

const ALTERNATE = "https://admin.ferry.test";
const EVIL = "https://evil.example";
const SIBLING = "https://sibling.ferry.test";

interface Person {
  email: string;
  password: string;
  cookie: string;
}

describe("cross-site requests, request caps and malformed text over HTTP", () => {
  let db: TestDatabase;
  let sql: postgres.Sql;
  let web: WebProcess;
  let owner: Person;
  let viewer: Person;
  let tenantId: string;

  async function post(
    path: string,
    init: { origin?: string; referer?: string; cookie?: string; contentType?: string; body: NonNullable<RequestInit["body"]> },
  ) {
    const headers: Record<string, string> = {};
    if (init.origin) headers.origin = init.origin;
    if (init.referer) headers.referer = init.referer;
    if (init.cookie) headers.cookie = init.cookie;
    if (init.contentType) headers["content-type"] = init.contentType;
    const response = await fetch(`${web.url}${path}`, { method: "POST", headers, body: init.body });
    return { status: response.status, text: await response.text(), response };
  }

  const trpcPost = (path: string, cookie: string | undefined, input: unknown, origin = web.url) =>
    post(`/api/trpc/${path}`, { origin, contentType: "application/json", body: encode(input), ...(cookie ? { cookie } : {}) });

  /** tRPC's error envelope, or better-auth's `{ code, message }`. */
  const message = (text: string) => {
    const body = JSON.parse(text) as { error?: { json?: { message?: string } }; message?: string };
    return body.error?.json?.message ?? body.message;
  };

  async function signUp(tenantName?: string): Promise<Person> {
    const email = `websec-${randomBytes(4).toString("hex")}@security.test`;
    const password = `pw-${randomBytes(12).toString("hex")}`;
    noteSecret(password);
    const sent = await trpcPost("account.signUp", undefined, { name: "Wes Sec", email, password, ...(tenantName ? { tenantName } : {}) });
    if (sent.status !== 200) throw new Error(`sign-up: ${sent.status} ${sent.text}`);
    const pair = sent.response.headers
      .getSetCookie()
      .find((c) => c.includes("session_token="))!
      .split(";")[0]!;
    noteSecret(pair.slice(pair.indexOf("=") + 1));
    return { email, password, cookie: pair };
  }

  const viewerMembership = async () =>
    (await sql`select m.id from memberships m join users u on u.id = m.user_id where u.email = ${viewer.email} and m.tenant_id = ${tenantId}`).length;

  beforeAll(async () => {
    db = await createTestDatabase("postgres");
    sql = postgres(db.platformUrl!, { max: 2, onnotice: () => {} });
    web = await startWebProcess(db.platformUrl!, {
      logName: "web-security",
      env: { FERRY_WORKER: "off", FERRY_EMULATOR: "off", FERRY_ALLOWED_ORIGINS: ALTERNATE },
    });
    owner = await signUp("Security Co");
    const [tenant] = await sql<{ id: string }[]>`select id from tenants where name = 'Security Co'`;
    tenantId = tenant!.id;
    viewer = await signUp();
    const invitation = await trpcPost("invitation.create", owner.cookie, { email: viewer.email, role: "viewer" });
    expect(invitation.status, invitation.text).toBe(200);
    const invitationId = (JSON.parse(invitation.text) as { result: { data: { json: { id: string } } } }).result.data.json.id;
    expect((await trpcPost("invitation.accept", viewer.cookie, { invitationId })).status).toBe(200);
    expect(await viewerMembership()).toBe(1);
  });

  afterAll(async () => {
    await web?.stop();
    await sql?.end();
    await db?.drop();
  });

  it("refuses a cross-origin multipart form post to member.leave with the viewer's cookie (403), and the membership stays", async () => {
    const form = new FormData();
    form.set("json", "null");
    const tried: [string, Awaited<ReturnType<typeof post>>][] = [
      ["another site, multipart", await post("/api/trpc/member.leave", { origin: EVIL, cookie: viewer.cookie, body: form })],
      ["a sibling subdomain (same site), multipart", await post("/api/trpc/member.leave", { origin: SIBLING, cookie: viewer.cookie, body: form })],
      ["another site, JSON", await post("/api/trpc/member.leave", { origin: EVIL, cookie: viewer.cookie, contentType: "application/json", body: "{}" })],
      [
        "another site's page as Referer, no Origin",
        await post("/api/trpc/member.leave", { referer: `${EVIL}/attack.html`, cookie: viewer.cookie, contentType: "application/json", body: "{}" }),
      ],
      [
        "Origin: null (a sandboxed frame)",
        await post("/api/trpc/member.leave", { origin: "null", cookie: viewer.cookie, contentType: "application/json", body: "{}" }),
      ],
      ["neither Origin nor Referer", await post("/api/trpc/member.leave", { cookie: viewer.cookie, contentType: "application/json", body: "{}" })],
      ["same origin, multipart", await post("/api/trpc/member.leave", { origin: web.url, cookie: viewer.cookie, body: form })],
      ["same origin, text/plain", await post("/api/trpc/member.leave", { origin: web.url, cookie: viewer.cookie, contentType: "text/plain", body: "{}" })],
      [
        "better-auth sign-out from another site",
        await post("/api/auth/sign-out", { origin: EVIL, cookie: viewer.cookie, contentType: "application/json", body: "{}" }),
      ],
    ];
    const statuses = tried.map(([what, r]) => `${what}: ${r.status}`);
    record(
      "13 CSRF refused",
      "member.leave / sign-out with the viewer's cookie: cross-site, sibling, null, no origin, multipart, text/plain",
      tried.every(([, r]) => r.status === 403) ? "pass" : "FAIL",
      { answers: statuses.join("; ") },
    );
    for (const [what, r] of tried) {
      expect(r.status, what).toBe(403);
      expect(message(r.text), what).toMatch(/refused/);
    }
    expect(message(tried[0]![1].text)).toBe(`Cross-site request refused: requests from ${EVIL} may not change anything here.`);
    expect(message(tried[6]![1].text)).toBe("Request refused: a state-changing request must be sent as application/json.");
    expect(await viewerMembership()).toBe(1);
    // The viewer's session survived the cross-site sign-out attempt.
    const me = await fetch(`${web.url}/api/trpc/account.me`, { headers: { cookie: viewer.cookie } });
    expect(((await me.json()) as { result: { data: { json: { user: { email: string } } | null } } }).result.data.json?.user.email).toBe(viewer.email);
  });

  it("accepts JSON from the portal's origin, from the configured alternate and with a same-origin Referer", async () => {
    const markRead = (init: { origin?: string; referer?: string }) =>
      post("/api/trpc/notification.markRead", { ...init, cookie: owner.cookie, contentType: "application/json; charset=utf-8", body: encode({ ids: [] }) });
    expect((await markRead({ origin: web.url })).status).toBe(200);
    expect((await markRead({ origin: ALTERNATE })).status).toBe(200);
    expect((await markRead({ referer: `${web.url}/settings` })).status).toBe(200);
    const left = await post("/api/trpc/member.leave", { origin: web.url, cookie: viewer.cookie, contentType: "application/json", body: encode(null) });
    expect(left.status, left.text).toBe(200);
    expect(await viewerMembership()).toBe(0);
  });

  it("refuses a socket opened from another site's page and admits the portal's own", async () => {
    const open = (origin: string) =>
      new Promise<string>((resolve) => {
        const socket = connectSocket(web.url, { transports: ["websocket"], reconnection: false, extraHeaders: { cookie: owner.cookie, origin } });
        socket.once("connect", () => {
          socket.disconnect();
          resolve("connected");
        });
        socket.once("connect_error", (error) => {
          socket.disconnect();
          resolve(`refused: ${error.message}`);
        });
      });
    expect(await open(EVIL)).toMatch(/^refused/);
    expect(await open(web.url)).toBe("connected");
  });

  it("sends the security headers on socket.io's own responses too: a polling handshake and a refusal", async () => {
    const wanted = {
      "x-content-type-options": "nosniff",
      "x-frame-options": "DENY",
      "content-security-policy": "frame-ancestors 'none'",
      "referrer-policy": "same-origin",
    };
    const handshake = await fetch(`${web.url}/socket.io/?EIO=4&transport=polling`, { headers: { cookie: owner.cookie, origin: web.url } });
    const refused = await fetch(`${web.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: EVIL } });
    const malformed = await fetch(`${web.url}/socket.io/?EIO=9&transport=carrier-pigeon`);
    const answers = { handshake, refused, malformed };
    const missing = Object.entries(answers).flatMap(([answer, r]) =>
      Object.entries(wanted)
        .filter(([name, value]) => r.headers.get(name) !== value)
        .map(([name]) => `${answer}: ${name}`),
    );
    record("14 socket.io headers", "polling handshake, a cross-site refusal, a malformed request", missing.length === 0 ? "pass" : "FAIL", {
      statuses: Object.entries(answers)
        .map(([name, r]) => `${name} ${r.status}`)
        .join(", "),
      "headers missing": missing.length ? missing.join("; ") : 0,
    });
    expect(missing).toEqual([]);
    expect(handshake.status).toBe(200);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(malformed.status).toBe(400);
  });

  it("caps a tRPC batch at 20 procedures and a body at 1 MiB, saying so", async () => {
    const batch = (n: number) =>
      fetch(`${web.url}/api/trpc/${Array.from({ length: n }, () => "account.me").join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`, {
        headers: { cookie: owner.cookie },
      });
    expect((await batch(20)).status).toBe(200);
    const tooMany = await batch(21);
    expect(tooMany.status).toBe(400);
    expect(message(await tooMany.text())).toBe("A batch may hold at most 20 procedures; this one holds 21.");

    const big = await post("/api/trpc/notification.markRead", {
      origin: web.url,
      cookie: owner.cookie,
      contentType: "application/json",
      body: encode({ ids: [], pad: "x".repeat(2 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(message(big.text)).toMatch(/^The request body is \d+ bytes; at most 1048576 bytes \(1 MiB\) are accepted\.$/);

    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(encode({ ids: [] })));
        controller.close();
      },
    });
    const chunked = await fetch(`${web.url}/api/trpc/notification.markRead`, {
      method: "POST",
      headers: { origin: web.url, cookie: owner.cookie, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(chunked.status).toBe(411);
    expect(message(await chunked.text())).toMatch(/Content-Length/);
    record("13 request caps", "21-procedure batch; 2 MiB body; chunked body without a length", "pass", {
      batch: tooMany.status,
      body: big.status,
      chunked: chunked.status,
    });
  });

  it("answers the four inputs that used to be 500s with a 400 that says what to fix", async () => {
    const search = await fetch(`${web.url}/api/trpc/record.list?input=${encodeURIComponent(encode({ kind: "people", search: "ada\uffff" }))}`, {
      headers: { cookie: owner.cookie },
    });
    const longEmail = await trpcPost("invitation.create", owner.cookie, { email: `${"a".repeat(9 * 1024)}@example.test`, role: "viewer" });
    const surrogateEmail = `surrogate-${randomBytes(3).toString("hex")}@security.test`;
    const surrogate = await trpcPost("account.signUp", undefined, {
      name: "Lone",
      email: surrogateEmail,
      password: "correct horse battery",
      tenantName: "Acme \ud800",
    });
    const edit = await trpcPost("record.edit", owner.cookie, { object: "Lead", sfId: "00Q000000000001AAA", changes: { Company: "half \udc00" } });
    const answers = {
      search: search.status,
      "9 KB email": longEmail.status,
      "lone surrogate tenant name": surrogate.status,
      "lone surrogate field value": edit.status,
    };
    record(
      "13 former 500s",
      "record.list search ending U+FFFF; invitation.create 9 KB email; signUp tenantName with U+D800; record.edit value with U+DC00",
      Object.values(answers).every((s) => s === 400) ? "pass" : "FAIL",
      answers,
    );
    expect(search.status).toBe(400);
    expect(message(await search.text())).toBe("search: text may not contain the noncharacter U+FFFF; remove it and send again.");
    expect(longEmail.status).toBe(400);
    expect(message(longEmail.text)).toBe("email: An email address is at most 254 characters.");
    expect(surrogate.status).toBe(400);
    expect(message(surrogate.text)).toBe("tenantName: text holds a lone surrogate (U+D800), half of a character; send well-formed UTF-16 text.");
    expect(await sql`select 1 from users where email = ${surrogateEmail}`).toHaveLength(0);
    expect(edit.status).toBe(400);
    expect(message(edit.text)).toMatch(/^changes\.Company: text holds a lone surrogate \(U\+DC00\)/);
  });

  it("checks better-auth's request bodies the same way, and passes a good one on unchanged", async () => {
    const auth = (path: string, body: string) => post(`/api/auth/${path}`, { origin: web.url, contentType: "application/json", body });
    const longEmail = await auth("sign-in/email", JSON.stringify({ email: `${"a".repeat(9 * 1024)}@example.test`, password: "correct horse battery" }));
    const surrogate = await auth("sign-in/email", JSON.stringify({ email: "x\ud800@security.test", password: "correct horse battery" }));
    const notJson = await auth("sign-in/email", '{"email":');
    expect(longEmail.status).toBe(400);
    expect(message(longEmail.text)).toBe("email: An email address is at most 254 characters.");
    expect(surrogate.status).toBe(400);
    expect(message(surrogate.text)).toBe("email: text holds a lone surrogate (U+D800), half of a character; send well-formed UTF-16 text.");
    expect(notJson.status).toBe(400);
    expect(message(notJson.text)).toBe("The request body is not valid JSON.");
    // Pretty-printed, so the body better-auth reads is not byte for byte the one sent: it still signs in.
    const signedIn = await auth("sign-in/email", JSON.stringify({ email: owner.email, password: owner.password }, null, 2));
    expect(signedIn.status, signedIn.text).toBe(200);
    expect(signedIn.response.headers.getSetCookie().some((c) => c.includes("session_token="))).toBe(true);
  });
});
