import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { startEmulator, type EmulatorHandle } from "@ferry/salesforce-emulator";
import { salesforceGateway } from "@ferry/salesforce";
import { salesforceHarness, type SalesforceHarness } from "./salesforce-harness";

// A custom login domain makes the server connect where it points: each spelling of this machine,
// the metadata address and a name resolving here must be refused, by name (400) and, if the name
// passed (an operator allow-listed it), at connect time (422), with nothing connected.

let emulator: EmulatorHandle;
let database: TestDatabase;
let h: SalesforceHarness;
let admin: string;
let listener: net.Server;
let port: number;
let connections = 0;

beforeAll(async () => {
  for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
  emulator = await startEmulator({
    port: 0,
    counts: { User: 2, Account: 2, Contact: 2, Lead: 2, Opportunity: 1, OpportunityContactRole: 1, Campaign: 1, CampaignMember: 1 },
    organizationName: "Acme",
  });
  // Every local address, IPv4 and IPv6: any connection the guard let through would be counted here.
  listener = net.createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, "::", resolve));
  port = (listener.address() as AddressInfo).port;
  database = await createTestDatabase("pglite");
  h = await salesforceHarness(database, {
    production: emulator.loginUrl,
    sandbox: emulator.sandboxLoginUrl,
    trustedOrigins: [emulator.loginUrl],
    allowedHosts: [],
  });
  admin = (await h.signUp({ name: "Ada Admin", email: "ada@ssrf.test", tenantName: "SSRF Co" })).cookie;
});

afterAll(async () => {
  await h?.close();
  await database?.drop();
  await emulator?.stop();
  await new Promise((resolve) => listener?.close(resolve));
});

const user = () => {
  const u = emulator.users[0]!;
  return { username: u.username, password: u.password, securityToken: u.securityToken, sandbox: false };
};

async function refusal(call: Promise<unknown>): Promise<{ code: string; message: string; salesforceCode?: string }> {
  try {
    await call;
  } catch (error) {
    const e = error as { code: string; message: string; cause?: { code?: string } };
    return { code: e.code, message: e.message, salesforceCode: e.cause?.code };
  }
  throw new Error("expected the call to be refused");
}

/** Through the API as an admin types it: refused by name, nothing stored. */
async function refusedByName(customDomain: string, host: string) {
  const api = await h.sf(admin);
  const refused = await refusal(api.salesforce.validate({ ...user(), customDomain }));
  expect(refused.code).toBe("BAD_REQUEST");
  expect(refused.message).toContain(`${host} is not a Salesforce login host`);
  expect((await api.salesforce.connection()).state).toBe("not_connected");
}

/** The login itself, as if the name had passed: refused at connect time, nothing reached. */
async function refusedAtConnect(loginUrl: string, address: RegExp) {
  const before = connections;
  const refused = (await salesforceGateway.validate({ kind: "password", loginUrl, ...user() }).then(
    () => undefined,
    (error: unknown) => error,
  )) as { code?: string; message?: string } | undefined;
  expect(refused?.code).toBe("LOGIN_HOST_REFUSED");
  expect(refused?.message).toMatch(address);
  expect(refused?.message).toMatch(/My Domain/);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(connections - before).toBe(0);
}

async function withOperatorAllowList<T>(hosts: string[], fn: () => Promise<T>): Promise<T> {
  h.settings.hosts.allowedHosts = hosts;
  try {
    return await fn();
  } finally {
    h.settings.hosts.allowedHosts = [];
  }
}

describe("custom login domains that point inside the network", () => {
  it("refuses a loopback address (127.0.0.2)", async () => {
    await refusedByName(`https://127.0.0.2:${port}`, "127.0.0.2");
    await refusedAtConnect(`https://127.0.0.2:${port}`, /127\.0\.0\.2, a loopback address/);
  });

  it("refuses the unspecified address (0.0.0.0)", async () => {
    await refusedByName(`https://0.0.0.0:${port}`, "0.0.0.0");
    await refusedAtConnect(`https://0.0.0.0:${port}`, /0\.0\.0\.0, an unspecified/);
  });

  it("refuses the cloud metadata address (169.254.169.254)", async () => {
    await refusedByName("https://169.254.169.254", "169.254.169.254");
    await refusedAtConnect("https://169.254.169.254", /169\.254\.169\.254, a link-local address/);
  });

  it("refuses an IPv4-mapped IPv6 loopback (::ffff:127.0.0.1)", async () => {
    await refusedByName(`https://[::ffff:127.0.0.1]:${port}`, "[::ffff:7f00:1]");
    await refusedAtConnect(`https://[::ffff:127.0.0.1]:${port}`, /::ffff:7f00:1, a loopback address/);
  });

  it("refuses a name that resolves to this machine, even when the operator allow-listed it", async () => {
    await refusedByName("https://localhost", "localhost");
    const api = await h.sf(admin);
    const refused = await withOperatorAllowList(["localhost"], () => refusal(api.salesforce.validate({ ...user(), customDomain: "https://localhost" })));
    // 422, not the 502 of an unreachable host: the guard refused before any connection was tried.
    expect(refused).toMatchObject({ code: "UNPROCESSABLE_CONTENT", salesforceCode: "LOGIN_HOST_REFUSED" });
    expect(refused.message).toMatch(/localhost: it resolves to (127\.0\.0\.1|::1), a loopback address/);
    await refusedAtConnect(`https://localhost:${port}`, /localhost: it resolves to (127\.0\.0\.1|::1)/);
    expect((await api.salesforce.connection()).state).toBe("not_connected");
  });

  it("still logs in to the configured emulator, also when typed as the custom domain", async () => {
    const api = await h.sf(admin);
    const validated = await api.salesforce.validate({ ...user(), customDomain: emulator.loginUrl });
    expect(validated.orgId).toBe(emulator.org.id);
    expect((await api.salesforce.connection()).state).toBe("validated");
  });
});
