import { randomBytes, randomUUID } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { io as connectSocket, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@ferry/api";
import { createAuth, isAllowedAuthEndpoint, servedAuthEndpoints } from "@ferry/auth";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { startOrg } from "@ferry/sync/testing";
import { captureClient, findLeaks } from "../src/capture";
import {
  encode,
  inputCases,
  parsesLocally,
  prng,
  proceduresOf,
  send,
  textClasses,
  unclearMessage,
  type InputCase,
  type Procedure,
  type Sent,
  type Wire,
} from "../src/fuzz";
import { masterKey, noteSecret, record, SIZE, sleep, startWorkerProcess, waitFor, workDir, type WorkerProcess } from "../src/harness";
import { startWebProcess, type WebProcess } from "../src/web";

/**
 * Point 5 (bad input to every procedure and socket event) and point 8 (secrets in tRPC responses
 * and socket events) against the real web process, worker process and Postgres, with tenant A
 * connected to an emulator org and synced, tenant B connected through OAuth, and a staff user.
 *
 * Phase 1 sends what must be refused or only read: schema-invalid inputs (checked locally with the
 * procedure's own zod schema), queries, other tenants' ids, ids that do not exist, callers without
 * a session, malformed bodies and methods. The database is checksummed before and after it.
 * Phase 2 sends hostile inputs the schema accepts to mutations, as callers allowed to make them
 * (an injection string is a fine company name): these may write, so they run after the checksum,
 * and are still held to no 5xx, a live process and clear refusals.
 */

const SEED = Number(process.env.RELIABILITY_FUZZ_SEED ?? 9_005);
/** Inputs per procedure (sampled across categories) in the CI size; the full size sends every generated case, twice with different callers. */
const PER_PROCEDURE = SIZE === "ci" ? 34 : Number.POSITIVE_INFINITY;
const CALLERS_PER_CASE = SIZE === "ci" ? 1 : 2;
const CONCURRENCY = 4;

type RoleName = "anon" | "forged" | "ownerA" | "adminA" | "viewerA" | "ownerB" | "viewerB" | "staff";
const ROLES: RoleName[] = ["anon", "forged", "ownerA", "adminA", "viewerA", "ownerB", "viewerB", "staff"];
const B_SIDE: RoleName[] = ["ownerB", "viewerB"];
const A_SIDE: RoleName[] = ["ownerA", "adminA", "viewerA"];

interface User {
  role: RoleName;
  email: string;
  password: string;
  cookie?: string;
}

interface Planned {
  procedure: Procedure;
  role: RoleName;
  kase: InputCase;
  transport: "single" | "batch" | "wrong method";
  phase: 1 | 2;
  /** The schema refuses it: the answer must be a 4xx. */
  invalid: boolean;
}

interface Outcome {
  where: string;
  path: string;
  role: RoleName;
  category: string;
  status: number;
  message?: string;
  problem?: string;
}

describe("bad input to every tRPC procedure and socket event; secrets in responses and events", () => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  let sql: postgres.Sql;
  let web: WebProcess;
  let worker: WorkerProcess;
  let wire: Wire;
  const users = {} as Record<RoleName, User>;
  const procedures = proceduresOf(appRouter);
  const byPath = new Map(procedures.map((p) => [p.path, p]));
  const sockets: Socket[] = [];

  async function call<T = unknown>(role: RoleName, path: string, input?: unknown): Promise<T> {
    const p = byPath.get(path)!;
    const user = users[role];
    const sent = await send(wire, {
      method: p.type === "query" ? "GET" : "POST",
      path,
      ...(p.type === "query" ? (input === undefined ? {} : { query: `input=${encodeURIComponent(encode(input))}` }) : { body: encode(input) }),
      ...(user?.cookie ? { cookie: user.cookie } : {}),
      where: `setup ${role}`,
    });
    if (sent.status !== 200) throw new Error(`${path} as ${role}: ${sent.status} ${sent.body.slice(0, 300)}`);
    return (JSON.parse(sent.body) as { result: { data: { json: T } } }).result.data.json;
  }

  async function signUp(role: RoleName, tenantName?: string, email = `${role.toLowerCase()}-${randomBytes(3).toString("hex")}@fuzz.test`): Promise<User> {
    const password = `pw-${randomBytes(12).toString("hex")}`;
    noteSecret(password);
    const response = await fetch(`${wire.url}/api/trpc/account.signUp`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: wire.origin },
      body: encode({ name: `Fuzz ${role}`, email, password, ...(tenantName ? { tenantName } : {}) }),
    });
    const body = await response.text();
    captureClient("trpc", `setup signUp ${role} → ${response.status}`, body);
    if (!response.ok) throw new Error(`sign-up of ${role} failed: ${response.status} ${body}`);
    const pair = response.headers
      .getSetCookie()
      .find((c) => c.includes("session_token="))!
      .split(";")[0]!;
    const value = pair.slice(pair.indexOf("=") + 1);
    noteSecret(value, decodeURIComponent(value), decodeURIComponent(value).split(".")[0]);
    return { role, email, password, cookie: pair };
  }

  const ids = { tenantA: "", tenantB: "", a: new Set<string>(), b: new Set<string>(), markersA: new Set<string>() };

  beforeAll(async () => {
    const oauthSecret = randomBytes(18).toString("hex");
    emu = await startOrg({
      oauthClients: [{ clientId: "fuzz-connected-app", clientSecret: oauthSecret, redirectUris: [] }],
      autoApproveUser: "sync@ferry.emulator",
    });
    for (const u of emu.users) noteSecret(u.password, u.securityToken, u.password + u.securityToken);
    noteSecret(oauthSecret);
    db = await createTestDatabase("postgres");
    sql = postgres(db.platformUrl!, { max: 2, onnotice: () => {} });
    const staffEmail = `staff-${randomBytes(3).toString("hex")}@fuzz.test`;
    const webEnv = {
      FERRY_SALESFORCE_LOGIN_URL: emu.loginUrl,
      FERRY_SALESFORCE_SANDBOX_LOGIN_URL: emu.sandboxLoginUrl,
      FERRY_SALESFORCE_CLIENT_ID: "fuzz-connected-app",
      FERRY_SALESFORCE_CLIENT_SECRET: oauthSecret,
      FERRY_BOOTSTRAP_STAFF_EMAILS: staffEmail,
      FERRY_WORKER: "off",
    };
    web = await startWebProcess(db.platformUrl!, { logName: "fuzz-web", env: webEnv });
    wire = { url: web.url, origin: web.url };
    worker = await startWorkerProcess(db.platformUrl!, { logFile: join(workDir, "fuzz-worker.log") });

    users.anon = { role: "anon", email: "", password: "" };
    users.ownerA = await signUp("ownerA", "Fuzz Tenant A");
    users.ownerB = await signUp("ownerB", "Fuzz Tenant B");
    users.staff = await signUp("staff", undefined, staffEmail);
    // A listed address becomes staff once verified; the link would come by mail, so the row is
    // marked verified here and the process restarted, which grants staff at boot.
    await sql`update users set email_verified = true where email = ${staffEmail}`;
    const authSecret = web.authSecret;
    await web.stop();
    web = await startWebProcess(db.platformUrl!, { logName: "fuzz-web-2", env: { ...webEnv, BETTER_AUTH_SECRET: authSecret } });
    wire = { url: web.url, origin: web.url };
    for (const [inviter, role, as] of [
      ["ownerA", "adminA", "admin"],
      ["ownerA", "viewerA", "viewer"],
      ["ownerB", "viewerB", "viewer"],
    ] as const) {
      const email = `${role.toLowerCase()}-${randomBytes(3).toString("hex")}@fuzz.test`;
      const invitation = await call<{ id: string }>(inviter, "invitation.create", { email, role: as });
      users[role] = await signUp(role, undefined, email);
      await call(role, "invitation.accept", { invitationId: invitation.id });
    }
    // A session cookie of the right shape whose signature does not verify.
    const [name, value] = users.ownerA.cookie!.split("=") as [string, string];
    users.forged = { role: "forged", email: "", password: "", cookie: `${name}=${value.slice(0, -6)}AAAAAA` };

    const me = async (role: RoleName) => (await call<{ activeTenantId: string }>(role, "account.me")).activeTenantId;
    ids.tenantA = await me("ownerA");
    ids.tenantB = await me("ownerB");

    // Tenant A: username + password through Validate, Sync Fields, Confirm, mappings, Start; the worker runs the initial sync.
    const sfUser = emu.users[0]!;
    await call("ownerA", "salesforce.validate", { username: sfUser.username, password: sfUser.password, securityToken: sfUser.securityToken, sandbox: false });
    await call("ownerA", "salesforce.previewFields");
    await call("ownerA", "salesforce.commitFields", { excluded: [], acknowledgedPermanent: true });
    await call("ownerA", "salesforce.confirm", { acknowledged: true });
    await call("ownerA", "salesforce.acceptMappings", {});
    await call("ownerA", "salesforce.startSync", { acknowledgeDuplicates: true });
    await waitFor(
      "tenant A's initial sync",
      async () => (await sql`select status from sync_runs where tenant_id = ${ids.tenantA} and kind = 'initial'`)[0]?.status === "succeeded",
      5 * 60_000,
      500,
    );
    // Tenant B: OAuth, so a refresh token exists to be leaked; the emulator approves as its first user.
    await call("ownerB", "salesforce.setAuthType", { authType: "oauth" });
    const { authorizeUrl } = await call<{ authorizeUrl: string }>("ownerB", "salesforce.startOAuth", { sandbox: false });
    const approve = await fetch(authorizeUrl, { redirect: "manual" });
    const location = new URL(approve.headers.get("location") ?? "http://x/?error=no_redirect");
    if (location.searchParams.get("code")) {
      await call("ownerB", "salesforce.completeOAuth", { state: location.searchParams.get("state")!, code: location.searchParams.get("code")! });
    }

    // Real ids of both tenants: what "another tenant's id" means below.
    const collect = (into: Set<string>, value: unknown, key = "") => {
      if (typeof value === "string" && /(^id$|Id$|^sfId$)/.test(key) && value.length >= 8) into.add(value);
      else if (Array.isArray(value)) for (const v of value) collect(into, v, key);
      else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) collect(into, v, k);
    };
    const records = await call<{ rows: { sfId: string; name?: string }[] }>("ownerA", "record.list", { kind: "people", limit: 20 });
    for (const row of records.rows ?? []) ids.markersA.add(row.sfId);
    collect(ids.a, records);
    for (const kind of ["companies", "opportunities"]) collect(ids.a, await call("ownerA", "record.list", { kind, limit: 5 }));
    for (const [role, into] of [
      ["ownerA", ids.a],
      ["ownerB", ids.b],
    ] as const) {
      for (const path of ["member.list", "invitation.list", "notification.list", "history.list", "syncError.list", "audit.list"]) {
        const p = byPath.get(path)!;
        collect(into, await call(role, path, p.schema ? {} : undefined));
      }
    }
    for (const run of await sql`select id from sync_runs where tenant_id = ${ids.tenantA}`) ids.markersA.add(run.id as string);
    ids.a.add(ids.tenantA);
    ids.b.add(ids.tenantB);

    // Quiet the scheduler for the checksummed phase: the next incremental in an hour (the first
    // reconciliation comes a day after the initial sync), and nothing of tenant A still running.
    await sql`update tenants set sync_interval_minutes = 60 where id = ${ids.tenantA}`;
    await waitFor(
      "tenant A's runs to settle",
      async () => {
        const rows = await sql`select kind, status from sync_runs where tenant_id = ${ids.tenantA}`;
        return rows.some((r) => r.kind === "initial" && r.status === "succeeded") && !rows.some((r) => ["queued", "in_progress"].includes(r.status as string));
      },
      3 * 60_000,
      500,
    );
  }, 10 * 60_000);

  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await worker?.kill("SIGTERM");
    await web?.stop();
    await sql?.end({ timeout: 5 });
    await db?.drop();
    await emu?.stop();
  });

  /**
   * Every row of every public table, hashed in order. Left out, each for a reason:
   * - sessions: expires_at/updated_at slide on every authenticated request (better-auth's idle
   *   timeout); the rest of each session row is kept.
   * - audit_log rows whose outcome is not "success": refused attempts are audited on purpose
   *   (e.g. a failed Salesforce login); the successful entries are kept.
   * - socket_io_attachments: the socket.io Postgres adapter's own message log.
   * The pgboss schema (the worker's queue and its once-a-minute cron) is not in public.
   */
  async function checksum(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const tables = await sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
    for (const { table_name: table } of tables as unknown as { table_name: string }[]) {
      if (table === "socket_io_attachments") continue;
      const query =
        table === "sessions"
          ? `select md5(string_agg(concat_ws('|', id, token, user_id, active_tenant_id, impersonated_by, ip_address, user_agent, created_at), ',' order by id)) as d from sessions`
          : table === "audit_log"
            ? `select md5(string_agg(t::text, '|' order by t::text)) as d from audit_log t where outcome = 'success'`
            : `select md5(string_agg(t::text, '|' order by t::text)) as d from "${table}" t`;
      out.set(table, ((await sql.unsafe(query))[0]?.d as string | null) ?? "empty");
    }
    return out;
  }

  it("refuses every hostile input with a clear 4xx, stays up, writes nothing, and leaks no secret or other tenant's data", async () => {
    const started = Date.now();
    const random = prng(SEED);
    const outcomes: Outcome[] = [];
    const problems: string[] = [];
    const statuses = new Map<number | string, number>();
    const perNamespace = new Map<string, number>();
    const perCategory = new Map<string, number>();
    let inputs = 0;
    const count = <K>(map: Map<K, number>, key: K, n = 1) => map.set(key, (map.get(key) ?? 0) + n);

    const markerLeak = (role: RoleName, request: string, body: string) => {
      if (!B_SIDE.includes(role) && role !== "anon" && role !== "forged") return undefined;
      return [...ids.markersA].find((m) => body.includes(m) && !request.includes(m));
    };

    const judge = (where: string, path: string, role: RoleName, category: string, sent: Sent, expectRefusal: boolean | boolean[], request: string) => {
      for (const [index, item] of sent.items.entries()) {
        const mustRefuse = Array.isArray(expectRefusal) ? (expectRefusal[index] ?? false) : expectRefusal;
        const status = item.httpStatus || sent.status;
        count(statuses, status);
        const outcome: Outcome = { where, path, role, category, status, ...(item.message ? { message: item.message } : {}) };
        if (status >= 500) outcome.problem = `${status} ${item.message ?? sent.body.slice(0, 120)}`;
        else if (!item.ok && status >= 400) {
          const unclear = [431, 413].includes(status) ? null : unclearMessage(item.message);
          if (unclear) outcome.problem = `${status} with ${unclear}: ${JSON.stringify(item.message ?? "").slice(0, 160)}`;
          else if (item.bytes > 20_000) outcome.problem = `${status} with a ${item.bytes}-byte error`;
        } else if (mustRefuse && item.ok) outcome.problem = `accepted (${status}) an input its schema refuses`;
        const leak = markerLeak(role, request, sent.body);
        if (leak) outcome.problem = `${outcome.problem ? `${outcome.problem}; ` : ""}tenant A's id ${leak} in the answer to ${role}`;
        if (outcome.problem) problems.push(`${where} ${path} as ${role} [${category}]: ${outcome.problem}`);
        outcomes.push(outcome);
      }
    };

    async function pool<T>(items: T[], run: (item: T) => Promise<void>) {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < items.length) await run(items[next++]!);
        }),
      );
    }

    /**
     * Node's HTTP parser answers a request line or headers over 16 KB with 431 and closes the
     * socket, sometimes before the client has read the answer: for those the closed connection is
     * the refusal. Any other request without an answer is a finding.
     */
    const closedByTransport: string[] = [];
    function noAnswer(where: string, request: { method: string; path: string; query?: string; body?: string }, role: RoleName, error: unknown) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const headLength = request.path.length + (request.query?.length ?? 0);
      const what = `${where} ${request.method} ${request.path.slice(0, 60)} as ${role}: no answer (${(error as Error).message}: ${cause?.code ?? cause?.message ?? "?"}, ${headLength} B head, ${request.body?.length ?? 0} B body)`;
      if (headLength > 16 * 1024) closedByTransport.push(what);
      else problems.push(what);
      count(statuses, "closed");
    }

    async function sendPlanned(batch: Planned[], where: string) {
      const first = batch[0]!;
      const user = users[first.role];
      const cookie = user.cookie ? { cookie: user.cookie } : {};
      const method =
        first.transport === "wrong method" ? (first.procedure.type === "query" ? "POST" : "GET") : first.procedure.type === "query" ? "GET" : "POST";
      let request: Parameters<typeof send>[1];
      if (batch.length > 1) {
        const payload = JSON.stringify(Object.fromEntries(batch.map((b, i) => [String(i), JSON.parse(encode(b.kase.input))])));
        const path = batch.map((b) => b.procedure.path).join(",");
        request =
          method === "GET"
            ? { method, path, query: `batch=1&input=${encodeURIComponent(payload)}`, where, expected: batch.length, ...cookie }
            : { method, path: `${path}?batch=1`, body: payload, where, expected: batch.length, ...cookie };
      } else {
        const body = encode(first.kase.input);
        request =
          method === "GET"
            ? {
                method,
                path: first.procedure.path,
                ...(first.kase.input === undefined ? {} : { query: `input=${encodeURIComponent(body)}` }),
                where,
                ...cookie,
              }
            : { method, path: first.procedure.path, body, where, ...cookie };
      }
      let sent: Sent;
      try {
        sent = await send(wire, request);
      } catch (error) {
        noAnswer(where, request, first.role, error);
        return;
      }
      inputs += batch.length;
      for (const b of batch) {
        count(perNamespace, b.procedure.path.split(".")[0]!);
        count(perCategory, b.kase.category);
      }
      const requestText = `${request.query ?? ""}${request.body ?? ""}`;
      judge(
        where,
        request.path.slice(0, 80),
        first.role,
        batch.map((b) => b.kase.category).join("+"),
        sent,
        batch.map((b) => b.invalid || b.transport === "wrong method"),
        requestText,
      );
    }

    // ---- who gets past the door: an input every schema refuses, sent as each caller ----------------
    const reaches = new Map<string, RoleName[]>();
    for (const procedure of procedures) {
      if (!procedure.schema && procedure.type === "mutation") continue; // no input to refuse: sending it would run it
      const reached: RoleName[] = [];
      for (const role of ROLES) {
        const probe: Planned = {
          procedure,
          role,
          kase: { category: "wrong type", field: "(input)", label: "12345", input: procedure.schema ? 12345 : undefined },
          transport: "single",
          phase: 1,
          invalid: Boolean(procedure.schema),
        };
        const before = outcomes.length;
        await sendPlanned([probe], "probe");
        const status = outcomes[before]?.status ?? 0;
        if (procedure.schema ? status === 400 : status === 200) reached.push(role);
      }
      reaches.set(procedure.path, reached);
    }

    // ---- the plan ---------------------------------------------------------------------------------
    const aIds = [...ids.a].slice(0, 6);
    const bIds = [...ids.b].slice(0, 4);
    const named = (key: string): string | undefined => {
      const first = (prefix: string) => [...ids.a].find((id) => id.startsWith(prefix));
      if (key === "tenantId") return ids.tenantA;
      if (/^(sfId|ownerId)$/.test(key)) return [...ids.markersA].find((m) => m.length >= 15 && m.length <= 18) ?? "00Q000000000001AAA";
      if (/Id$/.test(key)) return first("") ?? "fuzz-base-id";
      if (key === "object") return "Lead";
      if (/field/i.test(key)) return "Email";
      if (/email/i.test(key)) return `fuzz-base-${randomBytes(2).toString("hex")}@fuzz.test`;
      if (key === "reason") return "Looking into a reported sync problem";
      if (key === "password") return `pw-${randomBytes(8).toString("hex")}`;
      if (key === "username") return "nobody@fuzz.test";
      if (key === "securityToken") return "FUZZTOKEN0000000000000001";
      if (key === "name") return "Fuzz Base";
      return undefined;
    };
    const missing = [randomUUID(), "00Q000000000000AAA", "001ZZ0000000000", `${ids.tenantA.slice(0, -4)}zzzz`, "0".repeat(36)];
    const plan: Planned[] = [];
    for (const procedure of procedures) {
      const cases = inputCases(procedure, { foreign: [...aIds, ...bIds], missing }, named);
      // The CI size samples round-robin across categories so every kind of hostility reaches every procedure.
      const byCategory = new Map<string, InputCase[]>();
      for (const c of random.shuffle([...cases])) byCategory.set(c.category, [...(byCategory.get(c.category) ?? []), c]);
      const chosen: InputCase[] = [];
      while (chosen.length < Math.min(PER_PROCEDURE, cases.length))
        for (const list of byCategory.values()) if (list.length && chosen.length < PER_PROCEDURE) chosen.push(list.shift()!);
      // Issue 13's text classes reach every string input whatever the size: one of each per field beyond the sample.
      for (const field of new Set(cases.filter((c) => (textClasses as readonly string[]).includes(c.category)).map((c) => c.field))) {
        for (const category of textClasses) {
          if (chosen.some((c) => c.field === field && c.category === category)) continue;
          const extra = cases.find((c) => c.field === field && c.category === category);
          if (extra) chosen.push(extra);
        }
      }
      const reached = reaches.get(procedure.path) ?? [];
      for (const kase of chosen) {
        for (let k = 0; k < CALLERS_PER_CASE; k++) {
          const scanned =
            kase.ignoredKeys && kase.input && typeof kase.input === "object"
              ? Object.fromEntries(Object.entries(kase.input).filter(([k]) => !kase.ignoredKeys!.includes(k)))
              : kase.input;
          const text = encode(scanned);
          const hasA = aIds.some((id) => text.includes(id));
          const hasB = bIds.some((id) => text.includes(id));
          let role: RoleName;
          if (kase.category === "foreign id") role = hasA ? random.pick(B_SIDE) : random.pick(["ownerA", "adminA"] as RoleName[]);
          else role = reached.length && random.next() < 0.8 ? random.pick(reached) : random.pick(ROLES);
          const crossTenant = (B_SIDE.includes(role) && hasA) || (A_SIDE.includes(role) && hasB);
          const invalid = !parsesLocally(procedure, kase.input);
          const r = random.next();
          const transport = r < 0.1 ? "wrong method" : r < 0.25 ? "batch" : "single";
          const mayWrite =
            procedure.type === "mutation" &&
            !invalid &&
            transport !== "wrong method" &&
            !crossTenant &&
            !["missing id", "foreign id"].includes(kase.category) &&
            (!["anon", "forged"].includes(role) || reached.includes(role));
          plan.push({ procedure, role, kase, transport, phase: mayWrite ? 2 : 1, invalid });
        }
      }
    }
    // Each caller's no-input mutations once (leave, end support, describe, export): they ignore input, so they belong to phase 2.
    for (const procedure of procedures.filter((p) => !p.schema && p.type === "mutation")) {
      for (const role of ROLES)
        plan.push({
          procedure,
          role,
          kase: { category: "whole input", field: "(input)", label: "junk", input: { junk: "' OR 1=1 --" } },
          transport: "single",
          phase: role === "anon" || role === "forged" ? 1 : 2,
          invalid: false,
        });
    }

    const batches = (items: Planned[]) => {
      const out: Planned[][] = [];
      const open = new Map<string, Planned[]>();
      for (const item of items) {
        if (item.transport !== "batch") {
          out.push([item]);
          continue;
        }
        const key = `${item.role}|${item.procedure.type}`;
        const list = [...(open.get(key) ?? []), item];
        if (list.length >= 3) {
          out.push(list);
          open.delete(key);
        } else open.set(key, list);
      }
      out.push(...open.values());
      return out;
    };

    // ---- malformed requests the client library would never make ---------------------------------
    const required = procedures.filter((p) => p.schema && !parsesLocally(p, undefined) && !parsesLocally(p, {}));
    const raw: { role: RoleName; method: string; path: string; query?: string; body?: string; contentType?: string; label: string }[] = [];
    const protoMeta = '{"json":{"a":1},"meta":{"values":{"__proto__.isStaff":["undefined"],"constructor.prototype.isStaff":["undefined"]}}}';
    const rawBodies: [string, string][] = [
      ["truncated JSON", '{"json":{"a":'],
      ["not JSON", "<xml>hello</xml>"],
      ["superjson meta pollution", protoMeta],
      ["superjson unknown class", '{"json":{"x":1},"meta":{"values":{"x":[["class","Evil"]]}}}'],
      ["superjson custom type", '{"json":{"x":"1"},"meta":{"values":{"x":[["custom","nope"]]}}}'],
      ["superjson bigint garbage", '{"json":"12abc","meta":{"values":["bigint"]}}'],
      ["superjson regexp", '{"json":"/(a+)+$/","meta":{"values":["regexp"]}}'],
      ["JSON with BOM", `\uFEFF${encode({})}`],
      ["empty body", ""],
      ["JSON null", "null"],
      ["10 MB body", `{"json":"${"x".repeat(10 * 1024 * 1024)}"}`],
    ];
    for (const [i, p] of procedures.entries()) {
      const role = ROLES[i % ROLES.length]!;
      if (p.type === "query") {
        for (const [label, query] of [
          ["bad percent-encoding", "input=%ZZ%"],
          ["input not JSON", "input={json"],
          ["batch without map", "batch=1&input=[1,2]"],
          ["meta pollution", `input=${encodeURIComponent(protoMeta)}`],
        ] as const)
          raw.push({ role, method: "GET", path: p.path, query, label });
      } else if (required.includes(p) || role === "anon" || role === "forged") {
        for (const [label, body] of rawBodies.slice(i % 3, (i % 3) + 5)) raw.push({ role, method: "POST", path: p.path, body, label });
        raw.push({ role, method: "POST", path: p.path, body: encode({}), contentType: "text/plain;charset=utf-16", label: "wrong content type" });
      }
    }
    for (const role of ["anon", "ownerA", "ownerB", "staff"] as RoleName[]) {
      for (const [label, path, method] of [
        ["unknown procedure", "nope.nothing", "GET"],
        ["prototype path", "__proto__", "GET"],
        ["constructor path", "account.constructor", "GET"],
        ["path traversal", "account.me/../../etc/passwd", "GET"],
        ["100-procedure batch", Array.from({ length: 100 }, () => "account.me").join(","), "GET"],
        ["PUT", "account.me", "PUT"],
        ["DELETE", "member.list", "DELETE"],
        ["PATCH", "record.edit", "PATCH"],
        ["query in a mutation batch", "account.me,member.leave", "POST"],
      ] as const) {
        raw.push({
          role,
          method,
          path,
          label,
          ...(label === "100-procedure batch" ? { query: "batch=1&input=%7B%7D" } : {}),
          ...(method === "POST" ? { body: '{"0":{"json":null},"1":{"json":null}}' } : {}),
        });
      }
    }

    // ---- phase 1: must be refused (or only read); the database must not change --------------------
    const phase1 = plan.filter((p) => p.phase === 1);
    const phase2 = plan.filter((p) => p.phase === 2);
    const before = await checksum();
    const auditBefore = (await sql`select count(*)::int as n from audit_log where outcome <> 'success'`)[0]!.n as number;
    await pool(batches(phase1), (batch) => sendPlanned(batch, "phase1"));
    await pool(raw, async (r) => {
      const user = users[r.role];
      try {
        const sent = await send(wire, {
          method: r.method,
          path: r.path,
          ...(r.query ? { query: r.query } : {}),
          ...(r.body !== undefined ? { body: r.body } : {}),
          ...(r.contentType ? { contentType: r.contentType } : {}),
          ...(user.cookie ? { cookie: user.cookie } : {}),
          where: `raw ${r.label}`,
        });
        inputs++;
        count(perCategory, "malformed request");
        count(perNamespace, r.path.split(".")[0]!.slice(0, 20));
        // A procedure without input ignores what is sent (tRPC never reads it), so only those with an input must refuse.
        const paths = r.path.split(",");
        const mustRefuse = paths.map(
          (p) => !byPath.has(p) || Boolean(byPath.get(p)!.schema) || r.method !== (byPath.get(p)!.type === "query" ? "GET" : "POST"),
        );
        judge(`raw ${r.label}`, r.path.slice(0, 60), r.role, "malformed request", sent, mustRefuse, `${r.query ?? ""}${(r.body ?? "").slice(0, 1000)}`);
      } catch (error) {
        noAnswer(`raw ${r.label}`, r, r.role, error);
      }
    });
    const phase1Inputs = inputs;

    // ---- socket.io: hostile handshakes, unknown events, huge payloads, room-join attempts ---------
    const socketStats = { handshakes: 0, refused: 0, accepted: 0, events: 0, disconnectedByServer: 0 };
    const received: { role: string; event: string; payload: unknown }[] = [];
    const open = (
      label: string,
      options: { cookie?: string; auth?: Record<string, unknown>; query?: Record<string, string>; transports?: string[]; headers?: Record<string, string> },
    ) =>
      new Promise<{ socket: Socket; ok: boolean; error?: string }>((resolve) => {
        const socket = connectSocket(web.url, {
          transports: (options.transports ?? ["websocket"]) as ["websocket"],
          reconnection: false,
          forceNew: true,
          timeout: 10_000,
          extraHeaders: { ...(options.cookie ? { cookie: options.cookie } : {}), ...options.headers },
          ...(options.auth ? { auth: options.auth } : {}),
          ...(options.query ? { query: options.query } : {}),
        });
        sockets.push(socket);
        socketStats.handshakes++;
        socket.onAny((event: string, payload: unknown) => {
          received.push({ role: label, event, payload });
          captureClient("socket", `${label} ${event}`, JSON.stringify(payload) ?? "");
        });
        socket.on("disconnect", (reason) => {
          if (reason === "io server disconnect" || reason === "transport close" || reason === "parse error") socketStats.disconnectedByServer++;
        });
        socket.once("connect", () => {
          socketStats.accepted++;
          resolve({ socket, ok: true });
        });
        socket.once("connect_error", (error) => {
          socketStats.refused++;
          captureClient("socket", `${label} connect_error`, error.message);
          resolve({ socket, ok: false, error: error.message });
        });
      });
    const handshakeProblems: string[] = [];
    for (const [label, options] of [
      ["no cookie", {}],
      ["garbage cookie", { cookie: "better-auth.session_token=garbage" }],
      ["forged signature", { cookie: users.forged.cookie! }],
      ["12 KB cookie", { cookie: `better-auth.session_token=${"A".repeat(12_000)}` }],
      ["injection cookie", { cookie: `better-auth.session_token=' OR 1=1 --; tenant=${ids.tenantA}` }],
      ["auth claims tenant A", { auth: { tenantId: ids.tenantA, userId: "x", token: "x" } }],
      ["query claims tenant A", { query: { tenantId: ids.tenantA, room: `tenant:${ids.tenantA}` } }],
      ["polling, garbage cookie", { cookie: "better-auth.session_token=%00%ff", transports: ["polling"] }],
      ["x-forwarded headers", { headers: { "x-forwarded-for": "127.0.0.1", "x-user-id": "admin", "x-tenant-id": ids.tenantA } }],
    ] as [string, Parameters<typeof open>[1]][]) {
      const result = await open(`anon ${label}`, options);
      if (result.ok) handshakeProblems.push(`${label}: accepted without a valid session`);
      else if (!/unauthori[sz]ed|authentication failed/i.test(result.error ?? ""))
        handshakeProblems.push(`${label}: refused with ${JSON.stringify(result.error)}`);
    }
    const control = await open("ownerA", { cookie: users.ownerA.cookie! });
    const hostile: { label: string; socket: Socket }[] = [];
    for (const [label, options] of [
      ["ownerB", { cookie: users.ownerB.cookie! }],
      ["viewerB", { cookie: users.viewerB.cookie! }],
      ["staff (no grant)", { cookie: users.staff.cookie! }],
      [
        "ownerB claiming A in auth",
        { cookie: users.ownerB.cookie!, auth: { tenantId: ids.tenantA, tenantIds: [ids.tenantA] }, query: { tenantId: ids.tenantA } },
      ],
      ["viewerB over polling", { cookie: users.viewerB.cookie!, transports: ["polling"] }],
    ] as [string, Parameters<typeof open>[1]][]) {
      const result = await open(label, options);
      if (!result.ok) handshakeProblems.push(`${label}: a valid session was refused (${result.error})`);
      else hostile.push({ label, socket: result.socket });
    }
    const roomA = `tenant:${ids.tenantA}`;
    const socketEvents: [string, unknown[]][] = [
      ["join", [roomA]],
      ["join", [[roomA, `user:${users.ownerA.email}`]]],
      ["subscribe", [{ tenantId: ids.tenantA }]],
      ["joinRoom", [{ room: roomA }]],
      ["tenant.switch", [{ tenantId: ids.tenantA }]],
      ["sync.status", [{ tenantId: ids.tenantA, state: "failed", message: "' OR 1=1 --" }]],
      ["notification", [{ id: "x", tenantId: ids.tenantA, kind: "x", title: "<script>", body: "b" }]],
      ["__proto__", [{ polluted: true }]],
      ["constructor", [{}]],
      ["hasOwnProperty", [1]],
      ["💥\u202E\u0000", ["\uD800"]],
      ["x".repeat(10_000), [null]],
      ["numbers", [Number.NaN, -1, 1e308, Number.POSITIVE_INFINITY]],
      ["binary", [Buffer.alloc(64 * 1024, 7)]],
    ];
    const rounds = SIZE === "ci" ? 8 : 40;
    for (const { socket } of [...hostile, control]) {
      for (let r = 0; r < rounds; r++) {
        for (const [event, args] of socketEvents) {
          socket.emit(event, ...args);
          socketStats.events++;
        }
        // With an acknowledgement callback: the server never answers client events.
        socket.emit("join", roomA, () => received.push({ role: "ack", event: "join", payload: "acknowledged" }));
        socketStats.events++;
      }
    }
    await sleep(500);
    // Frames that are not socket.io packets, and a payload over the 1 MB limit, on sockets of their own (the server drops those connections).
    for (const [label, frame] of [
      ["malformed packet", '2["join"'],
      ["not a packet", "\u0000\u0001garbage"],
      ["unknown packet type", "9{}"],
      ["5,000-deep event", `2["deep",${"[".repeat(5_000)}${"]".repeat(5_000)}]`],
      ["join as a raw packet", `2["join","tenant:${ids.tenantA}"]`],
    ] as const) {
      const result = await open(`ownerB ${label}`, { cookie: users.ownerB.cookie! });
      (result.socket.io.engine as unknown as { write(data: string): void }).write(frame);
      socketStats.events++;
    }
    const huge = await open("ownerB huge", { cookie: users.ownerB.cookie! });
    huge.socket.emit("join", "x".repeat(2 * 1024 * 1024));
    socketStats.events++;
    await sleep(1_500);
    const webAliveAfterSockets =
      web.alive() &&
      (await fetch(`${web.url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false));

    const after = await checksum();
    const auditAfter = (await sql`select count(*)::int as n from audit_log where outcome <> 'success'`)[0]!.n as number;
    const changed = [...after.keys()].filter((t) => after.get(t) !== before.get(t));

    // ---- events of tenant A (the web's and the worker's) reach A's socket only ---------------------
    const mark = received.length;
    await call("ownerA", "invitation.create", { email: `leak-check-${randomBytes(2).toString("hex")}@fuzz.test`, role: "viewer" });
    await call("ownerB", "invitation.create", { email: `leak-check-${randomBytes(2).toString("hex")}@fuzz.test`, role: "viewer" });
    await waitFor(
      "tenant A's notification on A's socket",
      async () => received.slice(mark).some((e) => e.role === "ownerA" && e.event === "notification"),
      10_000,
      50,
    ).catch(() => undefined);
    // And the worker's own events (through Postgres to the web process): an incremental run of tenant A, due once its interval is a minute again.
    await sql`update tenants set sync_interval_minutes = 1 where id = ${ids.tenantA}`;
    const workerEvents = await waitFor(
      "a sync event of tenant A's incremental run on A's socket",
      async () => received.slice(mark).filter((e) => e.role === "ownerA" && e.event.startsWith("sync.")).length,
      120_000,
      200,
    ).catch(() => 0);
    await waitFor(
      "tenant A's incremental run to finish",
      async () => !(await sql`select 1 from sync_runs where tenant_id = ${ids.tenantA} and status in ('queued', 'in_progress')`).length,
      120_000,
      500,
    ).catch(() => undefined);
    await sql`update tenants set sync_interval_minutes = 60 where id = ${ids.tenantA}`;
    await sleep(1_000);
    const foreignEvents = received.filter((e) => e.role !== "ownerA" && JSON.stringify(e.payload ?? "").includes(ids.tenantA));
    const acked = received.filter((e) => e.role === "ack");
    const controlGot = received.slice(mark).filter((e) => e.role === "ownerA" && e.event === "notification").length;
    const controlGotB = received.filter((e) => e.role === "ownerA" && JSON.stringify(e.payload ?? "").includes(ids.tenantB)).length;

    // ---- /api/auth: every endpoint better-auth would serve (read from the instance), as every caller --
    // Not allowed: 404 before better-auth sees it. Allowed: never a 5xx, nothing of tenant A to others.
    const authEndpoints = servedAuthEndpoints(
      createAuth({ db: db.platform, baseURL: web.url, secret: randomBytes(24).toString("hex"), sessionIdleSeconds: 1800, sessionAbsoluteSeconds: 43200 }),
    );
    const authBodies: (string | undefined)[] = [
      undefined,
      "not json",
      "[1,2]",
      JSON.stringify({ email: "a\ud800@x.test", password: "\uffff" }),
      JSON.stringify({ email: "' OR 1=1 --", password: { $gt: "" } }),
      JSON.stringify({ memberId: "x", memberIdOrEmail: "x", role: "member", organizationId: ids.tenantA, userId: "x", data: { name: "Taken" } }),
      JSON.stringify({ email: `${"x".repeat(12_000)}@x.test`, password: "p" }),
    ];
    const authBefore = await checksum();
    const authProblems: string[] = [];
    const authStatuses = new Map<number | string, number>();
    for (const endpoint of authEndpoints) {
      const allowed = isAllowedAuthEndpoint(endpoint.method, endpoint.path);
      // Signing out or revoking sessions would end the sessions the rest of the run uses.
      const callers = allowed && ["/sign-out", "/revoke-sessions"].includes(endpoint.path) ? (["anon", "forged"] as RoleName[]) : ROLES;
      const path = `/api/auth${endpoint.path.replace(/:[a-zA-Z]+/g, "x")}${endpoint.path === "/verify-email" ? "?token=eyJhbGciOiJub25lIn0.e30.&callbackURL=%2F" : ""}`;
      for (const role of callers) {
        for (const body of endpoint.method === "GET" ? [undefined] : authBodies) {
          const cookie = users[role].cookie;
          const response = await fetch(`${wire.url}${path}`, {
            method: endpoint.method,
            redirect: "manual",
            headers: { origin: wire.origin, ...(cookie ? { cookie } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
            ...(body === undefined ? {} : { body }),
          });
          const text = await response.text();
          captureClient("http", `auth ${endpoint.method} ${path.slice(0, 60)} as ${role} → ${response.status}`, text);
          count(authStatuses, response.status);
          if (!allowed && response.status !== 404) authProblems.push(`${endpoint.method} ${path} as ${role}: ${response.status}, expected 404`);
          if (response.status >= 500) authProblems.push(`${endpoint.method} ${path} as ${role}: ${response.status}`);
          const leak = markerLeak(role, path, text);
          if (leak) authProblems.push(`${endpoint.method} ${path} as ${role}: tenant A's ${leak}`);
        }
      }
    }
    const authAfter = await checksum();
    // Failed sign-ins are counted on purpose (sign_in_throttle).
    const authChanged = [...authAfter.keys()].filter((table) => table !== "sign_in_throttle" && authAfter.get(table) !== authBefore.get(table));
    const authRequests = [...authStatuses.values()].reduce((a, b) => a + b, 0);
    record(
      "5 /api/auth fuzz",
      `${authRequests} requests to all ${authEndpoints.length} method/paths better-auth would serve, as 8 callers, with hostile bodies`,
      authProblems.length === 0 && authChanged.length === 0 ? "pass" : "FAIL",
      {
        "answers by status": [...authStatuses.entries()].map(([k, v]) => `${k}:${v}`).join(" "),
        problems: authProblems.length,
        "tables changed": authChanged.length ? authChanged.join(",") : 0,
      },
    );
    expect.soft(authProblems.slice(0, 30), "/api/auth: 404 unless allowed, no 5xx, no other tenant's data").toEqual([]);
    expect.soft(authChanged, "/api/auth requests changed nothing").toEqual([]);

    // ---- phase 2: hostile but well-formed inputs to mutations, by callers allowed to send them ------
    const noInputLast = (p: Planned) => (p.procedure.schema ? 0 : 1) + (p.procedure.path.startsWith("member.") ? 0.5 : 0);
    phase2.sort((a, b) => noInputLast(a) - noInputLast(b));
    const phase2Outcomes = outcomes.length;
    for (const batch of batches(phase2)) await sendPlanned(batch, "phase2");
    const accepted2 = outcomes.slice(phase2Outcomes).filter((o) => o.status < 400).length;

    // ---- the processes, and the secrets -------------------------------------------------------------
    const webAlive =
      web.alive() &&
      (await fetch(`${web.url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false));
    const workerAlive = worker.child.exitCode === null && worker.child.signalCode === null;
    noteSecret(...(emu as unknown as { issuedSecrets(): string[] }).issuedSecrets());
    const leakSearch = findLeaks();
    // The search itself is live: a line holding a noted secret (the master key) is found.
    const canary = join(workDir, "fuzz-canary.txt");
    writeFileSync(canary, `an answer that echoed ${masterKey} by mistake\n`);
    const canaryFound = findLeaks([canary]).leaks.length;

    writeFileSync(join(workDir, "fuzz-problems.txt"), [...problems, ...closedByTransport.map((c) => `(closed by transport) ${c}`)].join("\n"));
    const duration = Math.round((Date.now() - started) / 1000);
    const fiveXX = outcomes.filter((o) => o.status >= 500);
    const unclear = outcomes.filter((o) => o.problem && o.status < 500);
    const top = (map: Map<string | number, number>) =>
      [...map.entries()]
        .sort((a, b) => Number(a[0] > b[0]) - Number(a[0] < b[0]))
        .map(([k, v]) => `${k}:${v}`)
        .join(" ");
    record(
      "5 tRPC fuzz",
      `${inputs} hostile inputs to all ${procedures.length} procedures as 8 callers (phase 1 ${phase1Inputs}, phase 2 ${inputs - phase1Inputs}), GET/POST, batch, wrong method, malformed bodies`,
      fiveXX.length === 0 && unclear.length === 0 && changed.length === 0 && webAlive && workerAlive ? "pass" : "FAIL",
      {
        "inputs sent": inputs,
        "by router": top(perNamespace as Map<string | number, number>),
        "by category": top(perCategory as Map<string | number, number>),
        "answers by status": top(statuses),
        "closed by Node's parser (head over 16 KB)": closedByTransport.length,
        "5xx": fiveXX.length,
        "unclear refusals / leaks of A's ids": unclear.length,
        "tables changed by phase 1": changed.length ? changed.join(",") : 0,
        "refusals audited in phase 1": auditAfter - auditBefore,
        "phase 2 accepted": accepted2,
        "web / worker alive": `${webAlive}/${workerAlive}`,
        "duration (s)": duration,
      },
    );
    record(
      "5 socket fuzz",
      `${socketStats.handshakes} handshakes (${socketStats.refused} refused), ${socketStats.events} hostile client events: room joins for tenant A, unknown events, 2 MB payload, malformed frames`,
      handshakeProblems.length === 0 &&
        foreignEvents.length === 0 &&
        acked.length === 0 &&
        webAliveAfterSockets &&
        controlGot > 0 &&
        workerEvents > 0 &&
        controlGotB === 0
        ? "pass"
        : "FAIL",
      {
        "handshake problems": handshakeProblems.length,
        "tenant A events seen by others": foreignEvents.length,
        "client events acknowledged": acked.length,
        "A's own socket got A's event": controlGot,
        "A's socket got the worker's sync events": workerEvents,
        "A's socket got B's events": controlGotB,
        "connections dropped by the server": socketStats.disconnectedByServer,
        "web alive": String(webAliveAfterSockets),
      },
    );
    record(
      "8 secrets in answers",
      `every tRPC body and socket event the clients received, with every worker/web log line, searched for ${leakSearch.secrets} secrets`,
      leakSearch.leaks.length === 0 ? "pass" : "FAIL",
      {
        "lines searched": leakSearch.lines,
        files: leakSearch.files,
        leaks: leakSearch.leaks.length,
        "planted secret found": canaryFound,
        ...(leakSearch.leaks[0] ? { first: `${leakSearch.leaks[0].file}:${leakSearch.leaks[0].line} ${leakSearch.leaks[0].secret}` } : {}),
      },
    );

    expect.soft(fiveXX.map((o) => `${o.where} ${o.path} as ${o.role} [${o.category}]: ${o.problem}`).slice(0, 30), "no 5xx").toEqual([]);
    expect
      .soft(problems.filter((p) => !/: 5\d\d /.test(p)).slice(0, 60), "every refusal clear, no schema-refused input accepted, no other tenant's data")
      .toEqual([]);
    expect.soft(changed, "phase 1 changed nothing in the database").toEqual([]);
    expect.soft(handshakeProblems).toEqual([]);
    expect
      .soft(
        foreignEvents.map((e) => `${e.role} got ${e.event}`),
        "no tenant A event on another tenant's socket",
      )
      .toEqual([]);
    expect.soft(acked).toEqual([]);
    expect.soft(controlGot, "tenant A's own socket got its event (the check above is live)").toBeGreaterThan(0);
    expect.soft(workerEvents, "tenant A's own socket got the worker's sync events").toBeGreaterThan(0);
    expect.soft(canaryFound, "the leak search finds a planted secret").toBe(1);
    expect
      .soft(
        leakSearch.leaks.map((l) => `${l.file}:${l.line} ${l.secret}: ${l.context}`),
        "no secret in any answer, event or log line",
      )
      .toEqual([]);
    expect(webAlive && workerAlive, "web and worker processes alive").toBe(true);
    expect(inputs).toBeGreaterThanOrEqual(1_000);
  });
});
