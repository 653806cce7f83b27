import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { viewSyncStatus, type TenantContext } from "@ferry/services";
import { runInitialSync, type SyncEmitter } from "../src";
import { connect, orgAndDatabase, SMALL_COUNTS } from "./helpers";

const backends = await availableBackends();
const fast = { retry: { baseDelayMs: 5, maxDelayMs: 50 } };

describe.each(backends)("the Salesforce org's own API limit on %s", (backend) => {
  const harness = orgAndDatabase(backend, { counts: { ...SMALL_COUNTS, Lead: 1_000 } });

  it("REQUEST_LIMIT_EXCEEDED pauses as 'Salesforce org API limit reached', not as the tenant's Ferry cap, then resumes", async () => {
    const fixture = await createTenantFixture(harness.db);
    const { tenantId } = fixture;
    const ctx: TenantContext = {
      db: harness.db.db,
      tenantId,
      actor: { userId: fixture.ownerId, email: fixture.ownerEmail, name: "Owner", isStaff: false },
      access: { kind: "member", role: "owner" },
    };
    const events: { event: string; payload: Record<string, unknown> }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void events.push({ event, payload: payload as Record<string, unknown> }) };
    const conn = await connect(harness.emu);
    harness.emu.setFaults({ rules: [{ endpoint: "*", kind: "request-limit", rate: 1 }] });
    let outcome;
    try {
      outcome = await runInitialSync({ database: harness.db, tenantId, runId: "org-limited", conn, emitter, options: fast });
    } finally {
      harness.emu.clearFaults();
    }
    expect(outcome).toMatchObject({ outcome: "paused", reason: expect.stringMatching(/^Salesforce org API limit reached — resumes at \d{4}-/) });
    const stored = await withTenant({ db: harness.db.db, tenantId }, async (tx) => ({
      run: rowsOf(await tx.execute(sql`select status, error, error_code, resumes_at from sync_runs where id = 'org-limited'`))[0],
      state: rowsOf(await tx.execute(sql`select state, message from sync_states`))[0],
      notifications: rowsOf(await tx.execute(sql`select kind, title, body from notifications`)),
    }));
    expect(stored.run).toMatchObject({
      status: "paused",
      error_code: "REQUEST_LIMIT_EXCEEDED",
      error: expect.stringMatching(/^Salesforce org API limit reached/),
    });
    expect(stored.run!.resumes_at).not.toBeNull();
    expect(stored.state).toMatchObject({ state: "org_limited", message: expect.stringMatching(/^Salesforce org API limit reached/) });
    expect(stored.notifications).toEqual([
      { kind: "api_cap_reached", title: "Salesforce org API limit reached", body: expect.stringContaining("the org's own 24-hour API limit is used up") },
    ]);
    expect(String(stored.notifications[0]!.body)).not.toMatch(/Ferry used/);
    expect(events.some((e) => e.event === "sync.status" && e.payload.state === "org_limited" && typeof e.payload.resumesAt === "string")).toBe(true);
    // The badge reads the same state back after a reload.
    expect(await viewSyncStatus({ ctx })).toMatchObject({
      state: "org_limited",
      message: expect.stringMatching(/^Salesforce org API limit reached/),
      resumesAt: expect.any(String),
    });

    // Once the org's window frees calls, the same run continues and the tenant shows idle again.
    expect(await runInitialSync({ database: harness.db, tenantId, runId: "org-limited", conn: await connect(harness.emu), emitter, options: fast })).toEqual({
      outcome: "completed",
    });
    expect(await viewSyncStatus({ ctx })).toMatchObject({ state: "idle" });
  });
});
