import { describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { pushQueue, salesforceConnections, syncRuns, syncStates, tenants, withTenant } from "@ferry/db";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { ForbiddenError, setSyncPaused, type TenantContext } from "@ferry/services";
import { runInitialSync, runSyncJob, scheduleSyncWork, type SyncJobName, type SyncJobPayload } from "../src";
import { connect, orgAndDatabase } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("per-tenant scheduling on %s", (backend) => {
  const harness = orgAndDatabase(backend);

  async function tenantCtx(role: "owner" | "viewer" = "owner"): Promise<TenantContext> {
    const fixture = await createTenantFixture(harness.db, { role });
    return {
      db: harness.db.platform,
      tenantId: fixture.tenantId,
      actor: { userId: fixture.ownerId, email: fixture.ownerEmail, name: "Owner", isStaff: false },
      access: { kind: "member", role },
    };
  }

  it("sends pushes first, then cycles on the tenant's interval, then the daily reconciliation; honours pause", async () => {
    const ctx = await tenantCtx();
    const other = await tenantCtx();
    const objects = ["Account"];
    for (const c of [ctx, other]) {
      expect(await runInitialSync({ database: harness.db, tenantId: c.tenantId, runId: "initial", conn: await connect(harness.emu), objects })).toEqual({
        outcome: "completed",
      });
      await harness.db.platform.insert(salesforceConnections).values({ tenantId: c.tenantId, state: "syncing", syncEnabled: true });
    }
    const sent: { tenantId: string; job: SyncJobName }[] = [];
    // Jobs run at once, as a worker would run them.
    const send = async (job: SyncJobName, payload: SyncJobPayload) => {
      sent.push({ tenantId: payload.tenantId, job });
      return runSyncJob({ database: harness.db, openConnection: async () => connect(harness.emu), send: async () => undefined }, job, { ...payload, objects });
    };
    const at = (minutes: number) => () => new Date(Date.now() + minutes * 60_000);
    const mine = () => sent.filter((s) => s.tenantId === ctx.tenantId).map((s) => s.job);

    // The initial sync has just read everything: no reconciliation re-reads it right after.
    await scheduleSyncWork({ database: harness.db, send });
    expect(mine()).toEqual([]);
    // A reconciliation period after it (here 1 ms), the reconciliation is due; then not again for a day.
    await scheduleSyncWork({ database: harness.db, send, reconcileEveryMs: 1 });
    expect(mine()).toEqual(["sync.reconcile"]);
    await scheduleSyncWork({ database: harness.db, send });
    expect(mine()).toEqual(["sync.reconcile"]);
    await scheduleSyncWork({ database: harness.db, send, now: at(6) });
    expect(mine()).toEqual(["sync.reconcile", "sync.incremental"]);

    await harness.db.platform.update(tenants).set({ syncIntervalMinutes: 30 }).where(eq(tenants.id, ctx.tenantId));
    await scheduleSyncWork({ database: harness.db, send, now: at(20) });
    expect(mine()).toHaveLength(2);
    await scheduleSyncWork({ database: harness.db, send, now: at(31) });
    expect(mine()).toHaveLength(3);

    await harness.db.platform.insert(pushQueue).values({ tenantId: ctx.tenantId, object: "Account", sfId: "001000000000001AAA", changes: { Name: "Pushed" } });
    await scheduleSyncWork({ database: harness.db, send, now: at(200) });
    expect(mine().at(-1)).toBe("sync.push");

    await expect(setSyncPaused({ ctx: await tenantCtx("viewer"), input: { paused: true } })).rejects.toBeInstanceOf(ForbiddenError);
    await setSyncPaused({ ctx, input: { paused: true } });
    const count = mine().length;
    await scheduleSyncWork({ database: harness.db, send, now: at(400) });
    expect(mine()).toHaveLength(count);
    // The other tenant is unaffected by this tenant's pause.
    expect(sent.filter((s) => s.tenantId === other.tenantId).length).toBeGreaterThan(1);
    const state = await withTenant(ctx, async (tx) => (await tx.select().from(syncStates))[0]);
    expect(state).toMatchObject({ pausedByAdmin: true, state: "paused" });

    await setSyncPaused({ ctx, input: { paused: false } });
    await scheduleSyncWork({ database: harness.db, send, now: at(400) });
    expect(mine()).toHaveLength(count + 1);
    const runs = await withTenant(ctx, (tx) => tx.select({ kind: syncRuns.kind, status: syncRuns.status }).from(syncRuns));
    expect(runs.filter((r) => r.status !== "succeeded")).toEqual([]);
  });

  it("resumes an initial sync whose job ran out of retries once Salesforce answers again", async () => {
    const ctx = await tenantCtx();
    await harness.db.platform.insert(salesforceConnections).values({ tenantId: ctx.tenantId, state: "syncing", syncEnabled: true });
    const objects = ["User", "Account"];
    const deps = {
      database: harness.db,
      openConnection: async () => connect(harness.emu),
      send: async () => undefined,
      options: { retry: { baseDelayMs: 5, maxDelayMs: 20 } },
    };
    harness.emu.setFaults({ rules: [{ endpoint: "describe", kind: "server-error", rate: 1 }] });
    await expect(runSyncJob(deps, "sync.initial", { tenantId: ctx.tenantId, runId: "stalled", objects })).rejects.toMatchObject({ code: "UNKNOWN_EXCEPTION" });
    harness.emu.clearFaults();
    const sent: string[] = [];
    const send = async (job: SyncJobName, payload: SyncJobPayload) => {
      if (payload.tenantId !== ctx.tenantId) return undefined;
      sent.push(`${job}:${payload.runId}`);
      return runSyncJob(deps, job, { ...payload, objects });
    };
    await scheduleSyncWork({ database: harness.db, send });
    expect(sent).toEqual([]);
    await scheduleSyncWork({ database: harness.db, send, now: () => new Date(Date.now() + 6 * 60_000) });
    expect(sent).toEqual(["sync.initial:stalled"]);
    const [run] = await withTenant(ctx, (tx) => tx.select({ status: syncRuns.status }).from(syncRuns).where(eq(syncRuns.id, "stalled")));
    expect(run).toEqual({ status: "succeeded" });
  });
});
