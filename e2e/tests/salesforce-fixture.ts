import { mkdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_OAUTH_CLIENT, DEFAULT_USERS, startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";
import { startWebProcess } from "@ferry/web/testing";

const small = { User: 5, Account: 200, Contact: 400, Lead: 600, Opportunity: 100, OpportunityContactRole: 50, Campaign: 5, CampaignMember: 50 };

/** A sync user whose profile hides a field the sync needs (Lead.IsConverted). */
export const HIDDEN_FIELD_USER = { username: "nofls@ferry.emulator", password: "ferry-nofls-1", securityToken: "NOFLSTOKEN00000000000001" };

export interface SalesforceE2E {
  baseURL: string;
  production: EmulatorHandle;
  sandbox: EmulatorHandle;
  stop(): Promise<void>;
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
    users: [
      {
        username: "sync@acme-sandbox.emulator",
        password: "ferry-sandbox-1",
        securityToken: "SANDBOXTOKEN000000000001",
        firstName: "Sandbox",
        lastName: "Sync",
      },
    ],
  });
  const dataDir = path.join(process.env.FERRY_E2E_DIR ?? os.tmpdir(), `salesforce-${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string | undefined> = {
    DATABASE_URL: undefined,
    FERRY_DATA_DIR: dataDir,
    FERRY_EMULATOR: "off",
    FERRY_DEMO: "off",
    FERRY_WORKER: "off",
    FERRY_SALESFORCE_LOGIN_URL: production.loginUrl,
    FERRY_SALESFORCE_SANDBOX_LOGIN_URL: sandbox.sandboxLoginUrl,
    FERRY_SALESFORCE_CLIENT_ID: DEFAULT_OAUTH_CLIENT.clientId,
    FERRY_SALESFORCE_CLIENT_SECRET: DEFAULT_OAUTH_CLIENT.clientSecret,
    LOG_LEVEL: "warn",
  };
  const server = await startWebProcess({ env, detached: true, killAfterMs: 10_000 });
  return {
    baseURL: server.url,
    production,
    sandbox,
    async stop() {
      await server.stop();
      await Promise.all([production.stop(), sandbox.stop()]);
    },
  };
}
