import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { test, type APIRequestContext } from "@playwright/test";
import { eq } from "drizzle-orm";
import { createTestDatabase, postgresAvailable } from "@ferry/db/testing";
import { tenants, type Database } from "@ferry/db";
import { DEFAULT_OAUTH_CLIENT, startEmulator, type EmulatorHandle, type EmulatorOptions, type UserOptions } from "@ferry/salesforce-emulator";
import { productionCommand, startWebProcess } from "@ferry/web/testing";
import { cookieHeader, signUpThroughApi, type SeededUser } from "../support/api";

/** Per object counts of a small org; a test raises the ones it needs. */
export const SMALL_ORG = { User: 5, Account: 100, Contact: 200, Lead: 300, Opportunity: 60, OpportunityContactRole: 30, Campaign: 4, CampaignMember: 40 };

export interface EngineE2E {
  baseURL: string;
  stop(): Promise<void>;
}

/** On Postgres, with a privileged connection to the server's database for checks only (what the engine wrote). */
export type PostgresEngineE2E = EngineE2E & { db: Database; tenantId(name: string): Promise<string> };

export interface EngineOptions {
  /** Named in the embedded database's data directory. */
  name?: string;
  /** Added to the server's environment, e.g. orgLoginEnv(org) or FERRY_BOOTSTRAP_STAFF_EMAILS. */
  env?: Record<string, string>;
  /** "standalone": the web process's worker is off and apps/worker runs beside it on the same database, as in production. */
  worker?: "inprocess" | "standalone";
}

/**
 * A Ferry server of its own with its worker in the process, so a started sync really runs: the
 * engine logs into emulated orgs over HTTP with jsforce, reads them, pushes to them, and publishes
 * its events to the browser. On a fresh Postgres database (`db` is a privileged connection to it,
 * for checks only: what the engine wrote) or on the embedded database in a directory of its own.
 * A server reaches a loopback org only when `env` makes it the server's own login host
 * (orgLoginEnv): a custom domain must be a Salesforce host over https, so the emulator's loopback
 * login URL is trusted only as a configured one.
 */
export async function startEngineE2E(options?: EngineOptions & { database?: "postgres" }): Promise<PostgresEngineE2E>;
export async function startEngineE2E(options: EngineOptions & { database: "embedded" }): Promise<EngineE2E>;
export async function startEngineE2E(options: EngineOptions & { database?: "postgres" | "embedded" } = {}): Promise<EngineE2E & Partial<PostgresEngineE2E>> {
  for (const key of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[key];
  // The Vitest suites' policy (@ferry/db/testing): under CI a missing Postgres fails the run; on a
  // developer machine without one, the file's tests are skipped and the summary counts them.
  if (options.database !== "embedded" && !(await postgresAvailable())) {
    test.skip(true, "needs Postgres: none answers at TEST_DATABASE_URL or 127.0.0.1:5432 (start one to run this file)");
  }
  const database = options.database === "embedded" ? undefined : await createTestDatabase("postgres");
  let storage: Record<string, string | undefined>;
  if (database) {
    storage = {
      DATABASE_URL: database.runtimeUrl!,
      DATABASE_PLATFORM_URL: database.platformUrl!,
      BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
      FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
    };
  } else {
    const dataDir = path.join(process.env.FERRY_E2E_DIR ?? os.tmpdir(), `engine-${options.name ?? "e2e"}-${process.pid}-${Date.now()}`);
    mkdirSync(dataDir, { recursive: true });
    storage = { DATABASE_URL: undefined, FERRY_DATA_DIR: dataDir };
  }
  const server = await startWebProcess({
    env: {
      ...storage,
      FERRY_WORKER: options.worker === "standalone" ? "off" : "inprocess",
      FERRY_EMULATOR: "off",
      FERRY_DEMO: "off",
      // Never contacted: it only marks loopback login hosts (the tests' emulated orgs) as allowed.
      FERRY_SALESFORCE_LOGIN_URL: "http://127.0.0.1:9",
      LOG_LEVEL: "warn",
      ...options.env,
    },
    detached: true,
    killAfterMs: 10_000,
    keepLines: 200,
  });
  // Started after the server, which migrates the database; the compiled worker as `pnpm start:worker` runs it.
  const workerCommand = productionCommand("worker");
  const worker: ChildProcess | undefined =
    options.worker === "standalone"
      ? spawn(workerCommand.command, workerCommand.args, { cwd: workerCommand.cwd, env: server.env, stdio: "ignore", detached: true })
      : undefined;
  // Next loads each route's code on its first request; do that here, not inside a test's timeout.
  for (const route of ["/sign-in", "/salesforce", "/salesforce/progress", "/records", "/errors", "/sync-history", "/api/trpc/syncStatus.badge"]) {
    await fetch(`${server.url}${route}`).catch(() => undefined);
  }
  return {
    baseURL: server.url,
    db: database?.platform,
    async tenantId(name) {
      const [row] = await database!.platform.select({ id: tenants.id }).from(tenants).where(eq(tenants.name, name));
      if (!row) throw new Error(`no tenant named ${name}`);
      return row.id;
    },
    async stop() {
      if (worker?.pid && worker.exitCode === null) {
        const exited = new Promise((resolve) => worker.once("exit", resolve));
        process.kill(-worker.pid, "SIGTERM");
        const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10_000))]);
        if (!stopped) process.kill(-worker.pid, "SIGKILL");
      }
      await server.stop();
      await database?.drop().catch(() => {});
    },
  };
}

/** The server's environment that makes `org` its production and sandbox login host with the emulator's OAuth client. */
export function orgLoginEnv(org: EmulatorHandle): Record<string, string> {
  return {
    FERRY_SALESFORCE_LOGIN_URL: org.loginUrl,
    FERRY_SALESFORCE_SANDBOX_LOGIN_URL: org.sandboxLoginUrl,
    FERRY_SALESFORCE_CLIENT_ID: DEFAULT_OAUTH_CLIENT.clientId,
    FERRY_SALESFORCE_CLIENT_SECRET: DEFAULT_OAUTH_CLIENT.clientSecret,
  };
}

/** An emulated org with its control API on, in the test process. */
export function startOrg(options: EmulatorOptions & { users?: UserOptions[] }): Promise<EmulatorHandle> {
  return startEmulator({ port: 0, controlApi: true, counts: SMALL_ORG, bulkJobDurationMs: 300, ...options });
}

/** A tRPC call as the browser makes it (superjson envelope); throws with the server's answer when refused. */
export async function callApi<T = unknown>(
  request: APIRequestContext,
  baseURL: string,
  user: SeededUser,
  procedure: string,
  json?: unknown,
  method: "POST" | "GET" = "POST",
): Promise<T> {
  const headers = { "content-type": "application/json", origin: baseURL, cookie: cookieHeader(user) };
  const response =
    method === "GET"
      ? await request.get(`${baseURL}/api/trpc/${procedure}${json === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json }))}`}`, { headers })
      : await request.post(`${baseURL}/api/trpc/${procedure}`, { headers, data: json === undefined ? {} : { json } });
  if (!response.ok()) throw new Error(`${procedure} refused (${response.status()}): ${await response.text()}`);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

/** A control API call on an emulated org, over HTTP like any client. */
export async function control(org: EmulatorHandle, method: string, route: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${org.controlUrl}${route}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`emulator ${method} ${route} refused (${response.status}): ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Reads one record from the org over its REST API as its first user would (OAuth password grant). */
export async function readFromOrg(org: EmulatorHandle, object: string, id: string, fields: string[]): Promise<Record<string, unknown>> {
  const user = org.users[0]!;
  const client = org.oauthClients[0]!;
  const token = await fetch(`${org.loginUrl}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "password",
      client_id: client.clientId,
      client_secret: client.clientSecret,
      username: user.username,
      password: user.password + user.securityToken,
    }),
  });
  if (!token.ok) throw new Error(`emulator login refused: ${await token.text()}`);
  const { access_token: accessToken, instance_url: instanceUrl } = (await token.json()) as { access_token: string; instance_url: string };
  const record = await fetch(`${instanceUrl}/services/data/v62.0/sobjects/${object}/${id}?fields=${fields.join(",")}`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  if (!record.ok) throw new Error(`emulator read refused: ${await record.text()}`);
  return (await record.json()) as Record<string, unknown>;
}

/**
 * What an admin does on the Salesforce page, through the same procedures: validate the sync user
 * (by default the org's first user, against the org's login host as a custom domain), Sync Fields,
 * Confirm Credentials, make the given fields two-way, accept the mappings and Start Salesforce Sync.
 * The initial sync is then queued for the worker; with `waitForSyncMs`, this waits until it has
 * finished. `admin` is an existing user, or the name of one to sign up with a new tenant.
 */
export async function connectTenant(
  request: APIRequestContext,
  baseURL: string,
  org: EmulatorHandle,
  input: {
    admin: SeededUser | { name: string; tenantName: string };
    user?: { username: string; password: string; securityToken: string };
    /** false: the server's own login host (orgLoginEnv) is the org's; needed for a loopback org. */
    customDomain?: boolean;
    twoWay?: { object: string; field: string }[];
    waitForSyncMs?: number;
    /** false: stop before Start Salesforce Sync (the test starts it). */
    start?: boolean;
  },
): Promise<{ admin: SeededUser }> {
  const admin = "cookie" in input.admin ? input.admin : await signUpThroughApi(request, baseURL, input.admin);
  const call = <T = unknown>(procedure: string, json?: unknown, method?: "POST" | "GET") => callApi<T>(request, baseURL, admin, procedure, json, method);
  const { username, password, securityToken } = input.user ?? org.users[0]!;
  await call("salesforce.validate", {
    username,
    password,
    securityToken,
    sandbox: false,
    ...(input.customDomain === false ? {} : { customDomain: org.loginUrl }),
  });
  await call("salesforce.previewFields");
  await call("salesforce.commitFields", { excluded: [], acknowledgedPermanent: true });
  await call("salesforce.confirm", { acknowledged: true });
  const mappings = await call<{ fields: { object: string; sfField: string; ferryField: string | null }[] }>("salesforce.mappings", undefined, "GET");
  for (const { object, field } of input.twoWay ?? []) {
    const mapping = mappings.fields.find((f) => f.object === object && f.sfField === field);
    if (!mapping?.ferryField) throw new Error(`${object}.${field} has no default mapping to make two-way`);
    await call("salesforce.updateMapping", { object, sfField: field, ferryField: mapping.ferryField, direction: "two_way" });
  }
  await call("salesforce.acceptMappings", {});
  if (input.start === false) return { admin };
  await call("salesforce.startSync", { acknowledgeDuplicates: true });
  if (input.waitForSyncMs === undefined) return { admin };
  const deadline = Date.now() + input.waitForSyncMs;
  for (;;) {
    const badge = await call<{ state: string; message: string | null; lastSyncedAt: string | null }>("syncStatus.badge", undefined, "GET");
    if (badge.state === "idle" && badge.lastSyncedAt) return { admin };
    if (badge.state === "failed" || badge.message) throw new Error(`the initial sync stopped: ${JSON.stringify(badge)}`);
    if (Date.now() > deadline) throw new Error(`the initial sync did not finish in ${input.waitForSyncMs} ms: ${JSON.stringify(badge)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
