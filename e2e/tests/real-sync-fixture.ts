import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { DEFAULT_OAUTH_CLIENT, startEmulator, type EmulatorHandle, type EmulatorOptions } from "@ferry/salesforce-emulator";
import { cookieHeader, type SeededUser } from "../support/api";

export interface RealSyncE2E {
  baseURL: string;
  org: EmulatorHandle;
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
 * One emulated org and a Ferry server of its own (embedded database) whose in-process worker
 * really syncs that org: what the portal shows afterwards is what the engine wrote.
 */
export async function startRealSyncE2E(name: string, org: EmulatorOptions, staffEmails: string[] = []): Promise<RealSyncE2E> {
  for (const key of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[key];
  const emulator = await startEmulator({ port: 0, ...org });
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const dataDir = path.join(process.env.FERRY_E2E_DIR ?? os.tmpdir(), `real-sync-${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: baseURL,
    FERRY_DATA_DIR: dataDir,
    FERRY_EMULATOR: "off",
    FERRY_DEMO: "off",
    FERRY_WORKER: "inprocess",
    FERRY_SALESFORCE_LOGIN_URL: emulator.loginUrl,
    FERRY_SALESFORCE_SANDBOX_LOGIN_URL: emulator.sandboxLoginUrl,
    FERRY_SALESFORCE_CLIENT_ID: DEFAULT_OAUTH_CLIENT.clientId,
    FERRY_SALESFORCE_CLIENT_SECRET: DEFAULT_OAUTH_CLIENT.clientSecret,
    FERRY_BOOTSTRAP_STAFF_EMAILS: staffEmails.join(","),
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
  };
  delete env.DATABASE_URL;
  const child: ChildProcess = spawn("pnpm", ["exec", "tsx", "server.ts"], {
    cwd: path.resolve(import.meta.dirname, "../../apps/web"),
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
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
  return {
    baseURL,
    org: emulator,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(-child.pid, "SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
      await emulator.stop();
    },
  };
}

/** Calls a tRPC procedure as `user`, the way the portal's client does; throws with the server's words. */
export async function callAs<T = unknown>(request: APIRequestContext, baseURL: string, user: SeededUser, procedure: string, json?: unknown, kind: "query" | "mutation" = "mutation"): Promise<T> {
  const headers = { "content-type": "application/json", origin: baseURL, cookie: cookieHeader(user) };
  const response =
    kind === "query"
      ? await request.get(`${baseURL}/api/trpc/${procedure}${json === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json }))}`}`, { headers })
      : await request.post(`${baseURL}/api/trpc/${procedure}`, { headers, data: json === undefined ? {} : { json } });
  if (!response.ok()) throw new Error(`${procedure}: ${response.status()} ${await response.text()}`);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

/**
 * The admin's whole setup through the portal's own procedures (validate, Sync Fields, confirm,
 * mappings, Start Salesforce Sync), then waits until the worker has finished the initial sync.
 */
export async function connectAndSync(request: APIRequestContext, ferry: RealSyncE2E, admin: SeededUser, timeoutMs = 90_000): Promise<void> {
  const call = <T = unknown>(procedure: string, json?: unknown, kind?: "query" | "mutation") => callAs<T>(request, ferry.baseURL, admin, procedure, json, kind);
  const user = ferry.org.users[0]!;
  await call("salesforce.validate", { username: user.username, password: user.password, securityToken: user.securityToken, sandbox: false });
  await call("salesforce.previewFields");
  await call("salesforce.commitFields", { excluded: [], acknowledgedPermanent: true });
  await call("salesforce.confirm", { acknowledged: true });
  await call("salesforce.acceptMappings", {});
  await call("salesforce.startSync", { acknowledgeDuplicates: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const badge = await call<{ state: string; message: string | null; lastSyncedAt: string | null }>("syncStatus.badge", undefined, "query");
    if (badge.state === "idle" && badge.lastSyncedAt) return;
    if (badge.state === "failed" || badge.message) throw new Error(`the initial sync stopped: ${JSON.stringify(badge)}`);
    if (Date.now() > deadline) throw new Error(`the initial sync did not finish in ${timeoutMs} ms: ${JSON.stringify(badge)}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
