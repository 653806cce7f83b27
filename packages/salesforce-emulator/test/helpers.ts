import jsforce, { type Connection } from "jsforce";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../src/index";

export const SMALL_ORG = {
  User: 12,
  Account: 300,
  Contact: 600,
  Lead: 5_000,
  Opportunity: 200,
  OpportunityContactRole: 200,
  Campaign: 10,
  CampaignMember: 300,
};

export function start(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ counts: SMALL_ORG, controlApi: true, bulkJobDurationMs: 200, ...options });
}

export const VERSION = "62.0";

/** SOAP login as login user k (0 = sync user, 1 = restricted user). */
export async function soapLogin(emu: EmulatorHandle, k = 0, version = VERSION): Promise<Connection> {
  const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version });
  const u = emu.users[k]!;
  await conn.login(u.username, u.password + u.securityToken);
  return conn;
}

/** OAuth password grant through jsforce (used when clientId+secret are configured). */
export async function oauthLogin(emu: EmulatorHandle, k = 0, version = VERSION): Promise<Connection> {
  const client = emu.oauthClients[0]!;
  const conn = new jsforce.Connection({
    oauth2: { loginUrl: emu.loginUrl, clientId: client.clientId, clientSecret: client.clientSecret, redirectUri: "http://localhost/callback" },
    version,
  });
  const u = emu.users[k]!;
  await conn.login(u.username, u.password + u.securityToken);
  return conn;
}

/** The emulator and the sync user's session a test file shares; set by the hooks `useEmulator` registers. */
export interface EmulatorSession {
  emu: EmulatorHandle;
  conn: Connection;
}

/**
 * The usual hooks of a test file: one emulator with the default options for the whole file, reset to
 * its generated org and logged into afresh (SOAP, sync user) before each test, stopped after the last.
 * Read `emu` and `conn` only inside hooks and tests, once the hooks have set them.
 */
export function useEmulator(): EmulatorSession {
  const session = {} as EmulatorSession;
  beforeAll(async () => {
    session.emu = await start();
  });
  beforeEach(async () => {
    session.emu.reset();
    session.conn = await soapLogin(session.emu);
  });
  afterAll(() => session.emu.stop());
  return session;
}

export async function errorOf(p: PromiseLike<unknown>): Promise<{ errorCode?: string; name?: string; message: string; data?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as { errorCode?: string; name?: string; message: string; data?: unknown };
  }
  throw new Error("expected the call to fail");
}

/** Raw REST call with the connection's token, for checking status codes and bodies on the wire. */
export async function raw(conn: Connection, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${conn.instanceUrl}/services/data/v${conn.version}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${conn.accessToken}`, ...(init.headers as Record<string, string> | undefined) },
  });
}
