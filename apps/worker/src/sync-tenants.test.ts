import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { salesforceConnections, syncRuns, withTenant } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, runSyncJob, scheduleSyncWork, type SyncJobDependencies } from "@ferry/sync";
import { checksum, connect, emulatorRows, SMALL_COUNTS, startOrg, storedRows } from "@ferry/sync/testing";
import { startTestWorker, waitUntil } from "@ferry/jobs/testing";
import type { HandlerMap, JobContext, Worker } from "@ferry/jobs";

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
const backends = await availableBackends();

describe.each(backends)("sync jobs across tenants on %s", (backend) => {
  let db: TestDatabase;
  let big: EmulatorHandle;
  let other: EmulatorHandle;
  let third: EmulatorHandle;
  let worker: Worker | undefined;

  beforeAll(async () => {
    db = await createTestDatabase(backend);
    big = await startOrg({ seed: 1, counts: { ...SMALL_COUNTS, Lead: 15_000 } });
    other = await startOrg({ seed: 2 });
    third = await startOrg({ seed: 3 });
  });
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
    await Promise.all([big, other, third].map((e) => e?.stop()));
  });

  const runStatus = async (tenantId: string, runId: string) =>
    withTenant(
      { db: db.db, tenantId },
      async (tx) => (await tx.select({ status: syncRuns.status, finishedAt: syncRuns.finishedAt }).from(syncRuns).where(eq(syncRuns.id, runId)))[0],
    );

  it("chunks a huge initial sync so other tenants' runs pass it, and never mixes their rows", { timeout: 240_000 }, async () => {
    const t1 = (await createTenantFixture(db)).tenantId;
    const t2 = (await createTenantFixture(db)).tenantId;
    const t3 = (await createTenantFixture(db)).tenantId;
    const orgOf = new Map([
      [t1, big],
      [t2, other],
      [t3, third],
    ]);
    // Tenant 3 finished its initial sync earlier; its incremental cycle is due.
    expect(await runInitialSync({ database: db, tenantId: t3, runId: "t3-initial", conn: await connect(third) })).toEqual({ outcome: "completed" });
    for (const tenantId of [t1, t2, t3]) {
      await db.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", syncEnabled: true });
    }

    const deps = (context: JobContext): SyncJobDependencies => ({
      database: db,
      openConnection: (tenantId) => connect(orgOf.get(tenantId)!),
      send: (name, payload, options) => context.send(name, payload, options),
      // Slices of ~half a second: the huge run hands its slot back between Bulk pages.
      options: { sliceMs: 500, bulkPageSize: 2_500 },
    });
    const handlers: Partial<HandlerMap> = {
      "sync.initial": async (payload, context) => void (await runSyncJob(deps(context), "sync.initial", payload, context)),
      "sync.incremental": async (payload, context) => void (await runSyncJob(deps(context), "sync.incremental", payload, context)),
    };
    // One slot for every tenant: only chunking lets the others through.
    worker = await startTestWorker(
      backend === "pglite" ? { kind: "pglite", pglite: db.pglite! } : { kind: "postgres", connectionString: db.platformUrl! },
      handlers,
      { tenantConcurrency: 1 },
    );

    await worker.send("sync.initial", { tenantId: t1, runId: "t1-initial" });
    await waitUntil(async () => (await runStatus(t1, "t1-initial"))?.status === "in_progress", 30_000);
    await worker.send("sync.initial", { tenantId: t2, runId: "t2-initial" });
    await db.platform
      .update(syncRuns)
      .set({ finishedAt: new Date(Date.now() - 10 * 60_000) })
      .where(eq(syncRuns.tenantId, t3));
    const scheduled = await scheduleSyncWork({ database: db, send: (name, payload) => worker!.send(name, payload) });
    expect(scheduled).toEqual([{ tenantId: t3, job: "sync.incremental" }]);
    // Tenants with a run queued or moving get nothing more; tenant 2 has no finished initial sync yet.
    expect(await scheduleSyncWork({ database: db, send: (name, payload) => worker!.send(name, payload) })).toEqual([]);
    const t3Run = await withTenant(
      { db: db.db, tenantId: t3 },
      async (tx) => (await tx.select({ id: syncRuns.id }).from(syncRuns).where(eq(syncRuns.kind, "incremental")))[0]!.id,
    );

    await waitUntil(async () => (await runStatus(t3, t3Run))?.status === "succeeded", 60_000);
    await waitUntil(async () => (await runStatus(t2, "t2-initial"))?.status === "succeeded", 60_000);
    // Both small runs finished while the big one was still moving.
    expect((await runStatus(t1, "t1-initial"))?.status).toBe("in_progress");
    await waitUntil(async () => (await runStatus(t1, "t1-initial"))?.status === "succeeded", 120_000);

    for (const [tenantId, org] of orgOf) {
      for (const object of ["Lead", "Contact", "Account"]) {
        expect(checksum(await storedRows(db, tenantId, object)), `${tenantId} ${object}`).toBe(checksum(emulatorRows(org, object)));
      }
    }
  });
});
