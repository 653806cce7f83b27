import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { start } from "./helpers";
import { until } from "./pubsub-helpers";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await start({ https: true, pubsub: true, cdc: ["Lead"] });
});
afterAll(() => emu.stop());

describe("the unchanged salesforce-pubsub-api-client against an https emulator", () => {
  it("logs in with username and password (trusting the CA through NODE_EXTRA_CA_CERTS) and receives a change event", async () => {
    const u = emu.users[0]!;
    const script = `
      import PubSubApiClient from 'salesforce-pubsub-api-client';
      const quiet = { debug() {}, info() {}, warn() {}, error: (...a) => console.error(...a) };
      const client = new PubSubApiClient({
        authType: 'username-password', loginUrl: ${JSON.stringify(emu.loginUrl)},
        username: ${JSON.stringify(u.username)}, password: ${JSON.stringify(u.password)}, userToken: ${JSON.stringify(u.securityToken)},
        pubSubEndpoint: ${JSON.stringify(emu.pubsubEndpoint)}, rejectUnauthorizedSsl: false,
      }, quiet);
      await client.connect();
      client.subscribe('/data/LeadChangeEvent', (info, type, data) => {
        if (type === 'event') console.log(JSON.stringify(data.payload.ChangeEventHeader, (k, v) => (typeof v === 'bigint' ? Number(v) : v)));
        if (type === 'lastEvent' || type === 'error') { client.close(); process.exit(type === 'error' ? 1 : 0); }
      }, 1);`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: import.meta.dirname,
      env: { PATH: process.env.PATH, NODE_EXTRA_CA_CERTS: emu.caFile },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    exited.then(
      (code) => code !== 0 && console.error(err),
      () => undefined,
    );
    try {
      await until("the child to subscribe", () => emu.pubsub!.subscriptions.size === 1, 20_000);
      // This process does not trust the CA, so the write goes through the control API (an edit in the UI: no changeOrigin).
      const id = emu.createRecord("Lead", { LastName: "Tls", Company: "Secure Co" });
      expect(await exited).toBe(0);
      const header = JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
      expect(header).toMatchObject({ entityName: "Lead", changeType: "CREATE", recordIds: [id], changeOrigin: "" });
    } finally {
      child.kill();
    }
  });
});
