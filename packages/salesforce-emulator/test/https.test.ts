import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { start, VERSION } from "./helpers";

const run = promisify(execFile);
let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await start({ https: true });
});
afterAll(() => emu.stop());

/** jsforce in its own Node process, which reads NODE_EXTRA_CA_CERTS at start as any client would. */
async function jsforceClient(extraCa: string | undefined) {
  const u = emu.users[0]!;
  const script = `
    import jsforce from 'jsforce';
    const conn = new jsforce.Connection({ loginUrl: ${JSON.stringify(emu.loginUrl)}, version: '${VERSION}' });
    try {
      await conn.login(${JSON.stringify(u.username)}, ${JSON.stringify(u.password + u.securityToken)});
      const n = await conn.query('SELECT COUNT() FROM Account');
      const id = await conn.identity();
      console.log(JSON.stringify({ instanceUrl: conn.instanceUrl, identity: conn.userInfo.url, count: n.totalSize, user: id.username }));
    } catch (e) { console.log(JSON.stringify({ error: String(e.cause?.code ?? e.code ?? e.message) })); }`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH };
  if (extraCa) env.NODE_EXTRA_CA_CERTS = extraCa;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: import.meta.dirname, env });
  return JSON.parse(stdout.trim().split("\n").pop()!) as Record<string, unknown>;
}

describe("https", () => {
  it("serves https with URLs in that scheme, trusted through the CA it writes", async () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.caFile).toMatch(/ca\.pem$/);
    const ok = await jsforceClient(emu.caFile);
    expect(ok).toEqual({
      instanceUrl: emu.url,
      identity: expect.stringMatching(new RegExp(`^${emu.url}/id/00D\\w{15}/005\\w{15}$`)),
      count: 300,
      user: "sync@ferry.emulator",
    });
    const untrusted = await jsforceClient(undefined);
    expect(String(untrusted.error)).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify|self-signed/i);
  });
});
