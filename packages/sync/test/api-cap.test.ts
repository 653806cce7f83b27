import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { salesforceConnections, withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { ForbiddenError, setApiCap, type TenantContext } from "@ferry/services";
import { runInitialSync } from "../src";
import { connect, orgAndDatabase, SMALL_COUNTS } from "./helpers";

const backends = await availableBackends();
const fast = { retry: { baseDelayMs: 5, maxDelayMs: 50 } };

describe.each(backends)("the tenant's own daily API cap on %s", (backend) => {
  const harness = orgAndDatabase(backend, { counts: { ...SMALL_COUNTS, Lead: 1_000 } });

  it("is set by an admin (audited, checked against the org's limit) and the engine pauses at the stored value, then resumes without it", async () => {
    const fixture = await createTenantFixture(harness.db);
    const { tenantId } = fixture;
    const actor = { userId: fixture.ownerId, email: fixture.ownerEmail, name: "Owner", isStaff: false };
    const owner: TenantContext = { db: harness.db.db, tenantId, actor, access: { kind: "member", role: "owner" } };
    const viewer: TenantContext = { ...owner, access: { kind: "member", role: "viewer" } };
    const readOnlySupport: TenantContext = { ...owner, access: { kind: "support", grantId: "g1", mode: "read" } };
    await harness.db.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", orgId: "00D000000000031AAA", apiDailyLimit: 15_000 });
    harness.emu.setApiLimit(15_000, 0);

    await expect(setApiCap({ ctx: viewer, input: { cap: 25 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setApiCap({ ctx: readOnlySupport, input: { cap: 25 } })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(setApiCap({ ctx: owner, input: { cap: 20_000 } })).rejects.toThrow("The cap cannot be above the org's own daily limit of 15,000 API calls.");
    await expect(setApiCap({ ctx: owner, input: { cap: 2.5 } })).rejects.toThrow(/whole number/);
    // The planned initial sync needs about 14 calls in all: a cap of 8 stops it part way.
    expect(await setApiCap({ ctx: owner, input: { cap: 8 } })).toEqual({ cap: 8 });

    const outcome = await runInitialSync({ database: harness.db, tenantId, runId: "own-cap", conn: await connect(harness.emu), options: fast });
    expect(outcome).toMatchObject({ outcome: "paused", reason: expect.stringMatching(/^API cap reached — resumes at /) });
    const stored = await withTenant({ db: harness.db.db, tenantId }, async (tx) => ({
      run: rowsOf(await tx.execute(sql`select status, error_code, resumes_at from sync_runs where id = 'own-cap'`))[0],
      state: rowsOf(await tx.execute(sql`select state from sync_states`))[0],
      notifications: rowsOf(await tx.execute(sql`select kind, body from notifications`)),
      audit: rowsOf(await tx.execute(sql`select action, details from audit_log where action = 'salesforce.api_cap.update'`)),
    }));
    expect(stored.run).toMatchObject({ status: "paused", error_code: "API_CAP_REACHED" });
    expect(stored.run!.resumes_at).not.toBeNull();
    expect(stored.state).toMatchObject({ state: "api_capped" });
    // The stored 25, not the default half of the org's 15,000.
    expect(stored.notifications).toEqual([{ kind: "api_cap_reached", body: expect.stringMatching(/^Ferry used \d+ of its 8 daily Salesforce API calls/) }]);
    expect(harness.emu.state().apiUsage.used).toBeLessThanOrEqual(26);
    expect(stored.audit).toEqual([{ action: "salesforce.api_cap.update", details: { from: null, to: 8 } }]);

    // No cap of its own: the same run continues where it stopped.
    expect(await setApiCap({ ctx: owner, input: { cap: null } })).toEqual({ cap: null });
    expect(await runInitialSync({ database: harness.db, tenantId, runId: "own-cap", conn: await connect(harness.emu), options: fast })).toEqual({
      outcome: "completed",
    });
  });
});
