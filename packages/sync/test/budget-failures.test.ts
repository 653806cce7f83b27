import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import jsforce from "jsforce";
import { sql } from "drizzle-orm";
import { withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, SYNC_OBJECTS, type SyncEmitter } from "../src";
import { checksum, connect, emulatorRows, SMALL_COUNTS, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();
const fast = { retry: { baseDelayMs: 5, maxDelayMs: 50 } };

async function expectExactCopy(emu: EmulatorHandle, db: TestDatabase, tenantId: string) {
  for (const object of SYNC_OBJECTS) {
    const expected = emulatorRows(emu, object);
    const stored = await storedRows(db, tenantId, object);
    expect(checksum(stored), object).toBe(checksum(expected));
  }
}

async function tenantState(db: TestDatabase, tenantId: string, runId: string) {
  return withTenant({ db: db.db, tenantId }, async (tx) => ({
    run: rowsOf(await tx.execute(sql`select status, error, error_code, resumes_at, api_calls from sync_runs where id = ${runId}`))[0],
    state: rowsOf(await tx.execute(sql`select state, message, api_used, api_limit from sync_states`))[0],
    notifications: rowsOf(await tx.execute(sql`select kind, title, body from notifications`)),
    mail: rowsOf(await tx.execute(sql`select "to", subject, body from email_outbox`)),
  }));
}

describe.each(backends)("API budget and failures on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: 3_000 } });
    db = await createTestDatabase(backend);
  });
  beforeEach(() => {
    emu.clearFaults();
    emu.setApiLimit(15_000, 0);
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("pauses at the tenant's cap with the reason and resume time, then completes after the cap resets", async () => {
    const { tenantId } = await createTenantFixture(db);
    // Cap = 50 % of 20 = 10 calls: reached part-way through the objects (the whole run needs 14:
    // /limits, 4 composite requests planning all objects, 9 REST pages).
    emu.setApiLimit(20, 0);
    const events: { event: string; payload: Record<string, unknown> }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void events.push({ event, payload: payload as Record<string, unknown> }) };
    const paused = await runInitialSync({ database: db, tenantId, runId: "capped", conn: await connect(emu), emitter, options: fast });
    expect(paused).toMatchObject({ outcome: "paused", reason: expect.stringMatching(/^API cap reached — resumes at \d{4}-/) });
    const state = await tenantState(db, tenantId, "capped");
    expect(state.run).toMatchObject({ status: "paused", error_code: "API_CAP_REACHED" });
    expect(state.run!.resumes_at).not.toBeNull();
    expect(state.state).toMatchObject({ state: "api_capped", api_limit: 20 });
    expect(Number(state.state!.api_used)).toBeGreaterThanOrEqual(10);
    expect(state.notifications.map((n) => n.kind)).toEqual(["api_cap_reached"]);
    // The owner is mailed too (the outbox), with the same figures.
    expect(state.mail).toEqual([
      expect.objectContaining({
        subject: expect.stringMatching(/API cap reached$/),
        body: expect.stringMatching(/^Ferry used \d+ of its 10 daily Salesforce API calls/),
      }),
    ]);
    expect(events.some((e) => e.event === "sync.status" && e.payload.state === "api_capped" && typeof e.payload.resumesAt === "string")).toBe(true);
    // The org's usage never went past the cap: the engine stopped before calling.
    expect(emu.state().apiUsage.used).toBeLessThanOrEqual(11);

    // The daily window rolls over: the same run continues where it stopped.
    emu.setApiLimit(15_000, 0);
    expect(await runInitialSync({ database: db, tenantId, runId: "capped", conn: await connect(emu), options: fast })).toEqual({ outcome: "completed" });
    await expectExactCopy(emu, db, tenantId);
    expect((await tenantState(db, tenantId, "capped")).state).toMatchObject({ state: "idle" });
  });

  it("hides an expired session, transient 5xx and a limit error from the result", async () => {
    const { tenantId } = await createTenantFixture(db);
    const conn = await connect(emu);
    const tokenBefore = conn.accessToken;
    let expired = 0;
    const emitter: SyncEmitter = {
      emit: async (_t, event, payload) => {
        // Mid-run, on the first Lead progress: every session of the sync user becomes invalid.
        if (event === "sync.progress" && (payload as { object?: string }).object === "Lead" && expired === 0) expired = emu.expireSessions();
      },
    };
    emu.setFaults({
      rules: [
        { endpoint: "query", kind: "server-error", status: 503, times: 3 },
        { endpoint: "describe", kind: "server-error", times: 2 },
        { endpoint: "query", kind: "request-limit", times: 1 },
      ],
    });
    expect(await runInitialSync({ database: db, tenantId, runId: "bumpy", conn, emitter, options: fast })).toEqual({ outcome: "completed" });
    expect(expired).toBeGreaterThan(0);
    expect(conn.accessToken).not.toBe(tokenBefore);
    await expectExactCopy(emu, db, tenantId);
  });

  it("fails the run with the reason after a bounded number of retries", async () => {
    const { tenantId } = await createTenantFixture(db);
    emu.setFaults({ rules: [{ endpoint: "describe", kind: "server-error", rate: 1 }] });
    await expect(runInitialSync({ database: db, tenantId, runId: "broken", conn: await connect(emu), options: fast })).rejects.toMatchObject({
      code: "UNKNOWN_EXCEPTION",
    });
    expect((await tenantState(db, tenantId, "broken")).run).toMatchObject({ status: "incomplete", error_code: "UNKNOWN_EXCEPTION" });
  });

  it("stops the tenant's sync as Failed with a notification when the credentials no longer work", async () => {
    const { tenantId } = await createTenantFixture(db);
    const conn = new jsforce.Connection({
      instanceUrl: emu.url,
      accessToken: "00Dxx0000000001!revoked",
      version: "62.0",
      refreshFn: (_c, callback) => callback(new Error("expired access/refresh token")),
    });
    const outcome = await runInitialSync({ database: db, tenantId, runId: "denied", conn, options: fast });
    expect(outcome).toMatchObject({ outcome: "failed", code: "REFRESH_FAILED" });
    const state = await tenantState(db, tenantId, "denied");
    expect(state.run).toMatchObject({ status: "failed", error_code: "REFRESH_FAILED" });
    expect(state.state).toMatchObject({ state: "failed" });
    expect(state.notifications.map((n) => n.kind)).toEqual(["credentials_expired"]);
  });
});
