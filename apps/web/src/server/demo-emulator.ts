import { startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";

export interface DemoEmulator {
  handle: EmulatorHandle;
  describe(): string[];
  stop(): Promise<void>;
}

/** A mid-size org (about 200,000 records): big enough that the initial sync is worth watching. */
export const DEMO_ORG_COUNTS = {
  User: 50,
  Account: 20_000,
  Contact: 60_000,
  Lead: 80_000,
  Opportunity: 20_000,
  OpportunityContactRole: 10_000,
  Campaign: 200,
  CampaignMember: 10_000,
};

/**
 * The built-in Salesforce org the demo tenant connects to (no Salesforce account needed), with
 * Salesforce-like latency so the flow and the initial sync feel real.
 */
export async function startDemoEmulator(port: number): Promise<DemoEmulator> {
  const handle = await startEmulator({
    port,
    host: "127.0.0.1",
    controlApi: false,
    latency: "realistic",
    counts: DEMO_ORG_COUNTS,
    organizationName: "Ferry Demo Org",
    // Change Data Capture on every synced object, served over its Pub/Sub API: near-real-time sync works on the demo org.
    // Plaintext on loopback: TLS would need openssl at start (the emulator generates its CA with it).
    cdc: ["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember"],
    pubsub: { plaintext: true },
  });
  return {
    handle,
    describe: () => [
      `Salesforce emulator: ${handle.loginUrl} (sandbox: ${handle.sandboxLoginUrl}), ${handle.org.totalRecords.toLocaleString("en-US")} records`,
      ...handle.users.map((u) => `    ${u.username} / password ${u.password} / security token ${u.securityToken}`),
    ],
    stop: () => handle.stop(),
  };
}
