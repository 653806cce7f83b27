import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { fieldCatalog, fieldMappings, salesforceConnections, sfRecords, syncCheckpoints, syncErrors, syncRuns, syncStates } from "@ferry/db";
import { createLogger } from "@ferry/observability";
import { startWorker, type Worker } from "@ferry/jobs";
import { apiHarness, type ApiHarness } from "./harness";

const backends = (await availableBackends()).filter((b) => b === "postgres");
const CONTACT = "003000000000001AAA";

interface QueuedJob {
  job: string;
  payload: { tenantId: string; runId: string };
}

describe.each(backends)("edits and retries queue their sync run at once (%s)", (backend) => {
  let database: TestDatabase;
  let api: ApiHarness;
  let worker: Worker;
  let owner: { cookie: string; tenantId: string | null };

  /** What waits in the per-tenant queue: the worker's own pg-boss tables, nothing stubbed. */
  const queued = async (): Promise<QueuedJob[]> =>
    (
      (await database.platform.execute(sql`select data from pgboss.job where name = 'tenant-sync' and state = 'created' order by created_on`)) as unknown as {
        data: QueuedJob;
      }[]
    ).map((r) => r.data);

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    // A queue client with no handlers, as in a web process: jobs stay queued for the test to read.
    worker = await startWorker({
      boss: { kind: "postgres", connectionString: database.platformUrl! },
      handlers: {},
      logger: createLogger({ name: "enqueue-test", level: "silent" }),
      schedule: false,
    });
    api = apiHarness(database, {
      salesforce: {
        masterKey: "",
        hosts: { production: "https://login.salesforce.com", sandbox: "https://test.salesforce.com", trustedOrigins: [], allowedHosts: [] },
        enqueueInitialSync: (payload) => worker.send("sync.initial", payload),
        enqueueSync: (name, payload) => worker.send(name, payload),
      },
    });
    owner = await api.signUp({ name: "Quinn Queue", email: "quinn@queue.test", tenantName: "Queue Co" });
    const tenantId = owner.tenantId!;
    const db = database.platform;
    await db
      .insert(salesforceConnections)
      .values({ tenantId, state: "syncing", syncEnabled: true, orgId: "00D000000000001AAA", instanceUrl: "https://queue.my.salesforce.test" });
    await db.insert(syncStates).values({ tenantId, state: "idle" });
    await db.insert(syncCheckpoints).values({ tenantId, object: "Contact", mode: "incremental", initialDoneAt: new Date() });
    await db.insert(sfRecords).values({ tenantId, object: "Contact", sfId: CONTACT, fields: { Id: CONTACT, Name: "Ada Queue", Phone: "555-0100" } });
    await db.insert(fieldCatalog).values({ tenantId, object: "Contact", fieldName: "Phone", label: "Business Phone", type: "phone", writable: true });
    await db.insert(fieldMappings).values({ tenantId, object: "Contact", sfField: "Phone", ferryField: "phone", direction: "two_way" });
  });
  afterAll(async () => {
    await worker?.stop();
    await database?.drop();
  });

  it("an edit queues one push run; a second edit while it waits adds no other", async () => {
    const asOwner = await api.caller(owner.cookie);
    const first = await asOwner.record.edit({ object: "Contact", sfId: CONTACT, changes: { Phone: "555-0101" } });
    expect(first.pushRunId).toEqual(expect.any(String));
    const [run] = await database.platform.select().from(syncRuns).where(sql`id = ${first.pushRunId}`);
    expect(run).toMatchObject({ kind: "push", status: "queued" });
    expect(await queued()).toEqual([{ job: "sync.push", payload: { tenantId: owner.tenantId, runId: first.pushRunId } }]);

    const second = await asOwner.record.edit({ object: "Contact", sfId: CONTACT, changes: { Phone: "555-0102" } });
    expect(second.pushRunId).toBeNull();
    expect(await queued()).toHaveLength(1);
  });

  it("retrying a pulled record's error queues a read cycle, a job error its own kind again; nothing while the sync is paused", async () => {
    const tenantId = owner.tenantId!;
    await database.platform.update(syncRuns).set({ status: "succeeded" }).where(sql`tenant_id = ${tenantId}`);
    await database.platform.execute(sql`delete from pgboss.job where name = 'tenant-sync'`);
    await database.platform.insert(syncRuns).values({ tenantId, id: "reconcile-1", kind: "reconcile", status: "failed", error: "Salesforce was unavailable" });
    await database.platform.insert(syncErrors).values([
      { tenantId, level: "record", object: "Contact", sfId: CONTACT, operation: "pull_updates", code: "MALFORMED_RESPONSE", message: "bad date" },
      { tenantId, level: "job", runId: "reconcile-1", operation: "reconcile", code: "SERVER_UNAVAILABLE", message: "503" },
    ]);
    const asOwner = await api.caller(owner.cookie);

    await database.platform.update(syncStates).set({ pausedByAdmin: true }).where(sql`tenant_id = ${tenantId}`);
    expect(await asOwner.syncError.retry({ code: "MALFORMED_RESPONSE" })).toMatchObject({ retried: 1, queued: [] });
    expect(await queued()).toEqual([]);
    await database.platform.update(syncStates).set({ pausedByAdmin: false }).where(sql`tenant_id = ${tenantId}`);
    await database.platform.update(syncErrors).set({ state: "open" }).where(sql`tenant_id = ${tenantId}`);

    expect(await asOwner.syncError.retry({ code: "MALFORMED_RESPONSE" })).toMatchObject({ retried: 1, queued: ["incremental"] });
    expect(await asOwner.syncError.retry({ code: "SERVER_UNAVAILABLE" })).toMatchObject({ retried: 1, queued: ["reconcile"] });
    expect((await queued()).map((j) => j.job)).toEqual(["sync.incremental", "sync.reconcile"]);
    const runs = await database.platform.select({ kind: syncRuns.kind }).from(syncRuns).where(sql`tenant_id = ${tenantId} and status = 'queued'`);
    expect(runs.map((r) => r.kind).sort()).toEqual(["incremental", "reconcile"]);
  });
});
