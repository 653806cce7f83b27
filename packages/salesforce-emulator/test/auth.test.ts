import { createHash, randomBytes } from "node:crypto";
import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { errorOf, oauthLogin, soapLogin, start, VERSION } from "./helpers";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await start({
    users: [
      { username: "sync@ferry.emulator", password: "pw-sync", securityToken: "TOKEN1", firstName: "Sync", lastName: "User" },
      { username: "restricted@ferry.emulator", password: "pw-restricted", securityToken: "TOKEN2" },
      { username: "expired@ferry.emulator", password: "pw-expired", securityToken: "TOKEN3", passwordExpired: true },
    ],
    sessionTimeoutSeconds: 2,
  });
});
afterAll(() => emu.stop());

/** What a browser does with the authorize URL in auto-approve mode: follow it to the redirect. */
async function authorizeCode(url: string): Promise<URL> {
  const res = await fetch(url, { redirect: "manual" });
  expect(res.status).toBe(302);
  return new URL(res.headers.get("location")!);
}

describe("SOAP partner login", () => {
  it("logs in with password + security token and sets the instance URL from serverUrl", async () => {
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: VERSION });
    const info = await conn.login("sync@ferry.emulator", "pw-syncTOKEN1");
    expect(info.id).toMatch(/^005\w{15}$/);
    expect(info.organizationId).toBe(emu.org.id);
    expect(conn.instanceUrl).toBe(emu.url);
    expect(conn.accessToken).toMatch(/^00D\w{12}!AQ/);
    const identity = await conn.identity();
    expect(identity.username).toBe("sync@ferry.emulator");
    expect(identity.organization_id).toBe(emu.org.id);
  });

  it("rejects a bad password with INVALID_LOGIN as Salesforce words it", async () => {
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: VERSION });
    const e = await errorOf(conn.login("sync@ferry.emulator", "pw-sync"));
    expect(e.message).toBe("INVALID_LOGIN: Invalid username, password, security token; or user locked out.");
  });

  it("reports an expired password", async () => {
    const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: VERSION });
    const e = await errorOf(conn.login("expired@ferry.emulator", "pw-expiredTOKEN3"));
    expect(e.message).toBe("Unable to login because the used password has expired.");
  });

  it("serves production and sandbox as two login hosts: a production org rejects sandbox logins", async () => {
    const conn = new jsforce.Connection({ loginUrl: emu.sandboxLoginUrl, version: VERSION });
    const e = await errorOf(conn.login("sync@ferry.emulator", "pw-syncTOKEN1"));
    expect(e.message).toMatch(/^INVALID_LOGIN/);
    const sandbox = await start({ isSandbox: true, counts: { Lead: 10 } });
    try {
      const sconn = new jsforce.Connection({ loginUrl: sandbox.sandboxLoginUrl, version: VERSION });
      const u = sandbox.users[0]!;
      await sconn.login(u.username, u.password + u.securityToken);
      expect(sconn.userInfo?.url).toContain("/sandbox/id/");
      expect((await sconn.identity()).username).toBe(u.username);
      await expect(new jsforce.Connection({ loginUrl: sandbox.loginUrl }).login(u.username, u.password + u.securityToken)).rejects.toThrow(/INVALID_LOGIN/);
    } finally {
      await sandbox.stop();
    }
  });

  it("orgs started side by side have distinct organization ids", async () => {
    const second = await start({ orgNumber: 2, counts: { Lead: 1 } });
    try {
      const conn = await soapLogin(second);
      expect(conn.userInfo?.organizationId).toBe(second.org.id);
      expect(second.org.id).not.toBe(emu.org.id);
      expect(second.org.id).toMatch(/^00D\w{15}$/);
    } finally {
      await second.stop();
    }
  });

  it("logout ends the session", async () => {
    const conn = await soapLogin(emu);
    await conn.logout();
    const stale = new jsforce.Connection({ instanceUrl: emu.url, accessToken: conn.accessToken ?? "x", version: VERSION });
    const e = await errorOf(stale.query("SELECT Id FROM Lead LIMIT 1"));
    expect(e.errorCode).toBe("INVALID_SESSION_ID");
  });
});

describe("OAuth 2.0", () => {
  const client = () => emu.oauthClients[0]!;

  it("password grant through jsforce login() with a client id and secret", async () => {
    const conn = await oauthLogin(emu);
    expect(conn.instanceUrl).toBe(emu.url);
    expect((await conn.query("SELECT count() FROM Lead")).totalSize).toBe(5_000);
  });

  it("password grant failures: invalid_grant, invalid_client_id, invalid_client", async () => {
    const oauth2 = new jsforce.OAuth2({
      loginUrl: emu.loginUrl,
      clientId: client().clientId,
      clientSecret: client().clientSecret,
      redirectUri: "http://localhost/cb",
    });
    const bad = await errorOf(oauth2.authenticate("sync@ferry.emulator", "nope"));
    expect(bad.name).toBe("invalid_grant");
    expect(bad.message).toBe("authentication failure");
    const unknownClient = new jsforce.OAuth2({ loginUrl: emu.loginUrl, clientId: "nobody", clientSecret: "x", redirectUri: "http://localhost/cb" });
    const e2 = await errorOf(unknownClient.authenticate("sync@ferry.emulator", "pw-syncTOKEN1"));
    expect(e2.name).toBe("invalid_client_id");
    expect(e2.message).toBe("client identifier invalid");
    const wrongSecret = new jsforce.OAuth2({ loginUrl: emu.loginUrl, clientId: client().clientId, clientSecret: "wrong", redirectUri: "http://localhost/cb" });
    const e3 = await errorOf(wrongSecret.authenticate("sync@ferry.emulator", "pw-syncTOKEN1"));
    expect(e3.name).toBe("invalid_client");
  });

  it("authorization_code with PKCE, then refresh_token, revoke", async () => {
    const auto = await start({ autoApproveUser: "sync@ferry.emulator", counts: { Lead: 20 } });
    try {
      const c = auto.oauthClients[0]!;
      const oauth2 = new jsforce.OAuth2({ loginUrl: auto.loginUrl, clientId: c.clientId, redirectUri: "http://localhost/cb", useVerifier: true });
      const redirect = await authorizeCode(oauth2.getAuthorizationUrl({ state: "st-1", scope: "api refresh_token" }));
      expect(redirect.searchParams.get("state")).toBe("st-1");
      const code = redirect.searchParams.get("code")!;
      const conn = new jsforce.Connection({ oauth2, version: VERSION });
      const info = await conn.authorize(code);
      expect(info.organizationId).toBe(auto.org.id);
      expect(conn.refreshToken).toBeTruthy();
      expect((await conn.query("SELECT count() FROM Lead")).totalSize).toBe(20);
      // a code works once
      const again = await errorOf(oauth2.requestToken(code));
      expect(again.name).toBe("invalid_grant");
      const refreshed = await oauth2.refreshToken(conn.refreshToken!);
      expect(refreshed.access_token).not.toBe(conn.accessToken);
      expect(refreshed.instance_url).toBe(auto.url);
      await oauth2.revokeToken(conn.refreshToken!);
      const revoked = await errorOf(oauth2.refreshToken(conn.refreshToken!));
      expect(revoked.name).toBe("invalid_grant");
      expect(revoked.message).toBe("expired access/refresh token");
    } finally {
      await auto.stop();
    }
  });

  it("rejects a wrong PKCE verifier", async () => {
    const auto = await start({ autoApproveUser: "sync@ferry.emulator", counts: { Lead: 1 } });
    try {
      const c = auto.oauthClients[0]!;
      const challenge = createHash("sha256").update("the-right-verifier").digest("base64url");
      const redirect = await authorizeCode(
        `${auto.loginUrl}/services/oauth2/authorize?response_type=code&client_id=${c.clientId}&redirect_uri=${encodeURIComponent("http://localhost/cb")}&code_challenge=${challenge}`,
      );
      const oauth2 = new jsforce.OAuth2({ loginUrl: auto.loginUrl, clientId: c.clientId, redirectUri: "http://localhost/cb" });
      const e = await errorOf(oauth2.requestToken(redirect.searchParams.get("code")!, { code_verifier: randomBytes(16).toString("hex") }));
      expect(e.name).toBe("invalid_grant");
      expect(e.message).toBe("invalid code verifier");
    } finally {
      await auto.stop();
    }
  });

  it("userinfo and identity", async () => {
    const conn = await oauthLogin(emu);
    const res = await fetch(`${emu.url}/services/oauth2/userinfo`, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.preferred_username).toBe("sync@ferry.emulator");
    expect(body.organization_id).toBe(emu.org.id);
    const identity = await conn.identity();
    expect(identity.user_id).toBe(conn.userInfo?.id);
    expect(identity.urls.rest).toContain("/services/data/v{version}/");
  });
});

describe("session expiry", () => {
  it("an expired session surfaces as INVALID_SESSION_ID with the Salesforce body when the client cannot refresh", async () => {
    const conn = await soapLogin(emu);
    const bare = new jsforce.Connection({ instanceUrl: emu.url, accessToken: conn.accessToken!, version: VERSION });
    emu.expireSessions();
    const e = await errorOf(bare.query("SELECT Id FROM Lead LIMIT 1"));
    expect(e.errorCode).toBe("INVALID_SESSION_ID");
    expect(e.message).toBe("Session expired or invalid");
    const res = await fetch(`${emu.url}/services/data/v${VERSION}/limits`, { headers: { Authorization: `Bearer ${conn.accessToken}` } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
  });

  it("idle timeout expires tokens; jsforce re-logs in (SOAP) and retries transparently", async () => {
    const conn = await soapLogin(emu);
    const first = conn.accessToken;
    await new Promise((r) => setTimeout(r, 2_300));
    const res = await conn.query("SELECT count() FROM Lead");
    expect(res.totalSize).toBe(5_000);
    expect(conn.accessToken).not.toBe(first);
  });

  it("forced expiry: jsforce refreshes with its refresh token and retries the request", async () => {
    const auto = await start({ autoApproveUser: "sync@ferry.emulator", counts: { Lead: 7 } });
    try {
      const c = auto.oauthClients[0]!;
      const oauth2 = new jsforce.OAuth2({ loginUrl: auto.loginUrl, clientId: c.clientId, clientSecret: c.clientSecret, redirectUri: "http://localhost/cb" });
      const code = (await authorizeCode(oauth2.getAuthorizationUrl({ scope: "api refresh_token" }))).searchParams.get("code")!;
      const tokens = await oauth2.requestToken(code);
      const conn = new jsforce.Connection({
        oauth2,
        instanceUrl: tokens.instance_url,
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        version: VERSION,
      });
      let refreshed = 0;
      conn.on("refresh", () => refreshed++);
      auto.expireSessions();
      expect((await conn.query("SELECT count() FROM Lead")).totalSize).toBe(7);
      expect(refreshed).toBe(1);
      // Bulk 2.0 refreshes on 401 + INVALID_SESSION_ID too
      auto.expireSessions();
      const job = (await conn.request({
        method: "POST",
        url: `/services/data/v${VERSION}/jobs/query`,
        body: JSON.stringify({ operation: "query", query: "SELECT Id FROM Lead" }),
        headers: { "Content-Type": "application/json" },
      })) as { id: string };
      expect(job.id).toMatch(/^750/);
      expect(refreshed).toBe(2);
      // a revoked refresh token makes the refresh fail with Salesforce's wording
      await oauth2.revokeToken(tokens.refresh_token!);
      auto.expireSessions();
      const e = await errorOf(conn.query("SELECT Id FROM Lead"));
      expect(e.message).toBe("Unable to refresh session due to: expired access/refresh token");
    } finally {
      await auto.stop();
    }
  });
});
