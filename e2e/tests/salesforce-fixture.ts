import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { DEFAULT_OAUTH_CLIENT, DEFAULT_USERS, startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";

const small = { User: 5, Account: 200, Contact: 400, Lead: 600, Opportunity: 100, OpportunityContactRole: 50, Campaign: 5, CampaignMember: 50 };

/** A sync user whose profile hides a field the sync needs (Lead.IsConverted). */
export const HIDDEN_FIELD_USER = { username: "nofls@ferry.emulator", password: "ferry-nofls-1", securityToken: "NOFLSTOKEN00000000000001" };

export interface SalesforceE2E {
  baseURL: string;
  production: EmulatorHandle;
  sandbox: EmulatorHandle;
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
 * Starts two emulated orgs (production and sandbox) in the test process and a Ferry server of its
 * own whose production and sandbox login hosts are those orgs. Its worker is off, so a started
 * sync stays queued, whatever the sync engine does.
 */
export async function startSalesforceE2E(name: string): Promise<SalesforceE2E> {
  for (const key of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[key];
  const production = await startEmulator({
    port: 0,
    counts: small,
    orgNumber: 21,
    organizationName: "Acme Production",
    users: [...DEFAULT_USERS, { ...HIDDEN_FIELD_USER, firstName: "No", lastName: "Visibility", fieldAccess: { "Lead.IsConverted": "hidden" } }],
  });
  const sandbox = await startEmulator({
    port: 0,
    counts: small,
    orgNumber: 22,
    organizationName: "Acme Sandbox",
    isSandbox: true,
    users: [{ username: "sync@acme-sandbox.emulator", password: "ferry-sandbox-1", securityToken: "SANDBOXTOKEN000000000001", firstName: "Sandbox", lastName: "Sync" }],
  });
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const dataDir = path.join(process.env.FERRY_E2E_DIR ?? os.tmpdir(), `salesforce-${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: baseURL,
    FERRY_DATA_DIR: dataDir,
    FERRY_EMULATOR: "off",
    FERRY_DEMO: "off",
    FERRY_WORKER: "off",
    FERRY_SALESFORCE_LOGIN_URL: production.loginUrl,
    FERRY_SALESFORCE_SANDBOX_LOGIN_URL: sandbox.sandboxLoginUrl,
    FERRY_SALESFORCE_CLIENT_ID: DEFAULT_OAUTH_CLIENT.clientId,
    FERRY_SALESFORCE_CLIENT_SECRET: DEFAULT_OAUTH_CLIENT.clientSecret,
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
    production,
    sandbox,
    async stop() {
      if (child.exitCode === null && child.pid) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        process.kill(-child.pid, "SIGTERM");
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      }
      await Promise.all([production.stop(), sandbox.stop()]);
    },
  };
}
