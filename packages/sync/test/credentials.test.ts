import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { DEFAULT_OAUTH_CLIENT, type EmulatorHandle } from "@ferry/salesforce-emulator";
import { runIncrementalSync, runInitialSync } from "../src";
import { authorizationRequest, exchangeAuthorizationCode, loginWithPassword, loginWithRefreshToken } from "@ferry/salesforce";
import { startOrg } from "./helpers";

const backends = (await availableBackends()).filter((b) => b === "postgres");
const REDIRECT = "http://127.0.0.1:3000/api/salesforce/oauth/callback";

async function stopped(db: TestDatabase, tenantId: string, runId: string) {
  return withTenant({ db: db.db, tenantId }, async (tx) => ({
    run: rowsOf(await tx.execute(sql`select status, error_code, error from sync_runs where id = ${runId}`))[0],
    state: rowsOf(await tx.execute(sql`select state, message from sync_states`))[0],
    notifications: rowsOf(await tx.execute(sql`select kind, body from notifications`)),
    errors: rowsOf(await tx.execute(sql`select level, code, message, state from sync_errors`)),
    mail: rowsOf(await tx.execute(sql`select subject from email_outbox`)),
  }));
}

/**
 * Credentials that stop working while Ferry holds a session, as Salesforce reports it: the session
 * ends (401 INVALID_SESSION_ID), the engine's connection logs in again (password) or refreshes
 * (OAuth), and Salesforce refuses. The tenant's sync stops as Failed with the reason.
 */
describe.each(backends)("credentials refused on renewal (%s)", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startOrg({ controlApi: true, autoApproveUser: "sync@ferry.emulator" });
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("password login: the password expires in Salesforce and the sessions end; re-login reports it and the run fails", async () => {
    const { tenantId } = await createTenantFixture(db);
    const user = emu.users[0]!;
    const { connection } = await loginWithPassword({
      loginUrl: emu.loginUrl,
      username: user.username,
      password: user.password,
      securityToken: user.securityToken,
    });
    const put = await fetch(`${emu.controlUrl}/users/${user.username}/credentials`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ passwordExpired: true }),
    });
    expect(put.status).toBe(204);
    await fetch(`${emu.controlUrl}/sessions/expire`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: user.username }),
    });
    try {
      const outcome = await runInitialSync({ database: db, tenantId, runId: "expired-password", conn: connection });
      expect(outcome).toMatchObject({ outcome: "failed", code: "REFRESH_FAILED" });
      const after = await stopped(db, tenantId, "expired-password");
      expect(after.run).toMatchObject({ status: "failed", error_code: "REFRESH_FAILED", error: expect.stringContaining("password has expired") });
      expect(after.state).toMatchObject({ state: "failed", message: expect.stringContaining("Salesforce refused the stored credentials (REFRESH_FAILED)") });
      expect(after.notifications).toEqual([expect.objectContaining({ kind: "credentials_expired", body: expect.stringContaining("password has expired") })]);
      expect(after.errors).toEqual([expect.objectContaining({ level: "job", code: "REFRESH_FAILED", state: "open" })]);
      expect(after.mail).toEqual([{ subject: expect.stringContaining("Salesforce credentials stopped working") }]);
    } finally {
      emu.setUserCredentials(user.username, { passwordExpired: false });
    }
  });

  it("OAuth: the refresh token is revoked in Salesforce (ending its sessions); the refresh is refused and the run fails", async () => {
    const { tenantId } = await createTenantFixture(db);
    const client = { clientId: DEFAULT_OAUTH_CLIENT.clientId, clientSecret: DEFAULT_OAUTH_CLIENT.clientSecret, redirectUri: REDIRECT };
    const request = authorizationRequest(emu.loginUrl, client, "state-1");
    const approved = await fetch(request.url, { redirect: "manual" });
    const code = new URL(approved.headers.get("location")!).searchParams.get("code")!;
    const { refreshToken } = await exchangeAuthorizationCode({ loginUrl: emu.loginUrl, client, codeVerifier: request.codeVerifier, code });
    const { connection } = await loginWithRefreshToken({ loginUrl: emu.loginUrl, client, refreshToken });
    // Users synced, then a first cycle works with the session the refresh token gave (a cycle reads only synced objects).
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn: connection, objects: ["User"] })).toEqual({ outcome: "completed" });
    expect(await runIncrementalSync({ database: db, tenantId, runId: "before", conn: connection, objects: ["User"] })).toEqual({ outcome: "completed" });

    const revoked = await fetch(`${emu.loginUrl}/services/oauth2/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refreshToken }),
    });
    expect(revoked.status).toBe(200);
    const outcome = await runIncrementalSync({ database: db, tenantId, runId: "revoked", conn: connection, objects: ["User"] });
    expect(outcome).toMatchObject({ outcome: "failed", code: "REFRESH_FAILED" });
    const after = await stopped(db, tenantId, "revoked");
    expect(after.run).toMatchObject({ status: "failed", error_code: "REFRESH_FAILED", error: expect.stringContaining("expired access/refresh token") });
    expect(after.state).toMatchObject({ state: "failed" });
    // The Users synced first end with "Initial sync finished"; the refusal adds its own.
    expect(after.notifications.map((n) => n.kind).filter((k) => k !== "initial_sync_finished")).toEqual(["credentials_expired"]);
    expect(after.errors).toEqual([expect.objectContaining({ level: "job", code: "REFRESH_FAILED" })]);
  });
});
