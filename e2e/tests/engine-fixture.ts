import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { Database } from "@ferry/db";
import { startEmulator, type EmulatorHandle, type EmulatorOptions, type UserOptions } from "@ferry/salesforce-emulator";
import { cookieHeader, signUpThroughApi, type SeededUser } from "../support/api";

/** Per object counts of a small org; a test raises the ones it needs. */
export const SMALL_ORG = { User: 5, Account: 100, Contact: 200, Lead: 300, Opportunity: 60, OpportunityContactRole: 30, Campaign: 4, CampaignMember: 40 };

export interface EngineE2E {
  baseURL: string;
  /** A privileged connection to the server's database, for checks only (what the engine wrote). */
  db: Database;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Ferry server of its own on a fresh Postgres database with its worker in the process, so a
 * started sync really runs: the engine logs into emulated orgs over HTTP with jsforce, reads them,
 * pushes to them, and publishes its events to the browser. Orgs are reached through their login
 * host as a custom domain (loopback hosts are allowed because the production host is one).
 */
export async function startEngineE2E(): Promise<EngineE2E> {
  for (const key of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[key];
  const database: TestDatabase = await createTestDatabase("postgres");
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: baseURL,
    DATABASE_URL: database.databaseUrl!,
    BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
    FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
    FERRY_WORKER: "inprocess",
    FERRY_EMULATOR: "off",
    FERRY_DEMO: "off",
    // Never contacted: it only marks loopback login hosts (the tests' emulated orgs) as allowed.
    FERRY_SALESFORCE_LOGIN_URL: "http://127.0.0.1:9",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  const child: ChildProcess = spawn("pnpm", ["exec", "tsx", "server.ts"], {
    cwd: path.resolve(import.meta.dirname, "../../apps/web"),
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()).length > 20_000 && (stderr = stderr.slice(-10_000)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Ferry exited early (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${baseURL}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Ferry did not become ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Next loads each route's code on its first request; do that here, not inside a test's timeout.
  for (const route of ["/sign-in", "/salesforce/progress", "/records", "/errors", "/api/trpc/syncStatus.badge"]) {
    await fetch(`${baseURL}${route}`).catch(() => undefined);
  }
  return {
    baseURL,
    db: database.db,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(-child.pid, "SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
      await database.drop().catch(() => {});
    },
  };
}

/** An emulated org with its control API on, in the test process. */
export function startOrg(options: EmulatorOptions & { users?: UserOptions[] }): Promise<EmulatorHandle> {
  return startEmulator({ port: 0, controlApi: true, counts: SMALL_ORG, bulkJobDurationMs: 300, ...options });
}

/** A tRPC call as the browser makes it (superjson envelope); throws with the server's answer when refused. */
export async function callApi<T = unknown>(request: APIRequestContext, baseURL: string, user: SeededUser, procedure: string, json?: unknown, method: "POST" | "GET" = "POST"): Promise<T> {
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
  const response = await fetch(`${org.controlUrl}${route}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
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
    body: new URLSearchParams({ grant_type: "password", client_id: client.clientId, client_secret: client.clientSecret, username: user.username, password: user.password + user.securityToken }),
  });
  if (!token.ok) throw new Error(`emulator login refused: ${await token.text()}`);
  const { access_token: accessToken, instance_url: instanceUrl } = (await token.json()) as { access_token: string; instance_url: string };
  const record = await fetch(`${instanceUrl}/services/data/v62.0/sobjects/${object}/${id}?fields=${fields.join(",")}`, { headers: { authorization: `Bearer ${accessToken}` } });
  if (!record.ok) throw new Error(`emulator read refused: ${await record.text()}`);
  return (await record.json()) as Record<string, unknown>;
}

/**
 * What an admin does on the Salesforce page, through the same procedures: validate the sync user
 * against the org's login host, Sync Fields, Confirm Credentials, make the given fields two-way,
 * accept the mappings and Start Salesforce Sync. The initial sync is then queued for the worker.
 */
export async function connectTenant(
  request: APIRequestContext,
  baseURL: string,
  org: EmulatorHandle,
  input: { tenantName: string; adminName: string; user: { username: string; password: string; securityToken: string }; twoWay?: { object: string; field: string }[] },
): Promise<{ admin: SeededUser }> {
  const admin = await signUpThroughApi(request, baseURL, { name: input.adminName, tenantName: input.tenantName });
  const call = <T = unknown>(procedure: string, json?: unknown, method?: "POST" | "GET") => callApi<T>(request, baseURL, admin, procedure, json, method);
  await call("salesforce.validate", { ...input.user, sandbox: false, customDomain: org.loginUrl });
  await call("salesforce.commitFields", { excluded: [], acknowledgedPermanent: true });
  await call("salesforce.confirm", { acknowledged: true });
  const mappings = await call<{ fields: { object: string; sfField: string; ferryField: string | null }[] }>("salesforce.mappings", undefined, "GET");
  for (const { object, field } of input.twoWay ?? []) {
    const mapping = mappings.fields.find((f) => f.object === object && f.sfField === field);
    if (!mapping?.ferryField) throw new Error(`${object}.${field} has no default mapping to make two-way`);
    await call("salesforce.updateMapping", { object, sfField: field, ferryField: mapping.ferryField, direction: "two_way" });
  }
  await call("salesforce.acceptMappings", {});
  await call("salesforce.startSync", { acknowledgeDuplicates: true });
  return { admin };
}
