import { metricsRegistry } from "@ferry/observability";
import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { InvalidJobError, TENANT_QUEUE, jobCatalog, type JobInput, type TenantJobName } from "./catalog";
import type { JobContext, Worker } from "./worker";
import { availableBackends } from "@ferry/db/testing";
import { jobRowsSql, openBackend, sleep, startTestWorker, waitUntil, type Backend, type JobRow } from "../test/harness";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(backend: Backend) {
  const database = await openBackend(backend);
  cleanups.push(database.close);
  return database;
}

function track(worker: Worker) {
  cleanups.push(() => worker.stop());
  return worker;
}

async function jobCount(name: string, outcome: string): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric("jobs_total")?.get();
  return metric?.values.find((value) => value.labels.queue === name && value.labels.outcome === outcome)?.value ?? 0;
}

describe("job catalog types", () => {
  it("derives send's payload type from each job's schema", () => {
    expectTypeOf<JobInput<"sync.push">>().toEqualTypeOf<{ tenantId: string; runId: string }>();
    expectTypeOf<JobInput<"sync.initial">>().toEqualTypeOf<{ tenantId: string; runId: string; objects?: string[] | undefined }>();
    expectTypeOf<TenantJobName>().toEqualTypeOf<"sync.initial" | "sync.incremental" | "sync.push" | "sync.reconcile">();
    expectTypeOf<Worker["send"]>().toBeCallableWith("maintenance.prune", {});
    // @ts-expect-error a tenant job without its tenant does not compile
    expectTypeOf<Worker["send"]>().toBeCallableWith("sync.push", { runId: "r" });
  });
});

describe.each<Backend>(await availableBackends())("startWorker on %s", (backend) => {
  it("works a sent tenant job with its validated payload and counts it", async () => {
    const database = await setup(backend);
    const seen: Array<{ payload: unknown; context: JobContext }> = [];
    const before = await jobCount("sync.incremental", "completed");
    const worker = track(
      await startTestWorker(database.connection, {
        "sync.incremental": async (payload, context) => {
          seen.push({ payload, context });
        },
      }),
    );

    const id = await worker.send("sync.incremental", { tenantId: "tenant-a", runId: "run-1" });
    expect(id).toEqual(expect.any(String));
    await waitUntil(async () => (await database.query<JobRow>(jobRowsSql, [id]))[0]?.state === "completed");

    expect(seen).toHaveLength(1);
    expect(seen[0]?.payload).toEqual({ tenantId: "tenant-a", runId: "run-1" });
    // The job's own retry limit reaches the handler, so a sync run knows its last attempt.
    expect(seen[0]?.context).toMatchObject({ jobId: id, attempt: 0, retryLimit: jobCatalog["sync.incremental"].retryLimit });
    const [row] = await database.query<JobRow>(jobRowsSql, [id]);
    expect(row).toMatchObject({ name: TENANT_QUEUE, singleton_key: "tenant-a", retry_limit: jobCatalog["sync.incremental"].retryLimit });
    expect(await jobCount("sync.incremental", "completed")).toBe(before + 1);
  });

  it("wakes a worker the moment a tenant job is sent from another process, long before its next poll", async () => {
    const database = await setup(backend);
    const worked: string[] = [];
    // A poll a minute: only the notification can bring the job in within the wait below.
    track(await startTestWorker(database.connection, { "sync.push": async ({ runId }) => void worked.push(runId) }, { pollingIntervalSeconds: 60 }));
    // A sender that works nothing, as the web with FERRY_WORKER=off.
    const sender = track(await startTestWorker(database.connection, {}));
    // Past the worker's first fetch, so the job can only arrive through the wake.
    await sleep(1_000);
    await sender.send("sync.push", { tenantId: "tenant-wake", runId: "woken" });
    await waitUntil(() => worked.length === 1, 20_000);
    expect(worked).toEqual(["woken"]);
  });

  it("sends tenant jobs with the catalog's heartbeat, or the process's own when configured", async () => {
    const database = await setup(backend);
    const heartbeatOf = async (id: string | null) =>
      (await database.query<{ heartbeat_seconds: number | null }>("SELECT heartbeat_seconds FROM pgboss.job WHERE id = $1", [id]))[0]?.heartbeat_seconds;
    const catalog = track(await startTestWorker(database.connection, {}));
    expect(await heartbeatOf(await catalog.send("sync.push", { tenantId: "tenant-hb-1", runId: "run-1" }))).toBe(jobCatalog["sync.push"].heartbeatSeconds);
    const short = track(await startTestWorker(database.connection, {}, { heartbeatSeconds: 10, superviseIntervalSeconds: 2 }));
    expect(await heartbeatOf(await short.send("sync.push", { tenantId: "tenant-hb-2", runId: "run-1" }))).toBe(10);
  });

  it("refuses invalid payloads at send with a clear error and enqueues nothing", async () => {
    const database = await setup(backend);
    const worker = track(await startTestWorker(database.connection, {}));
    await expect(worker.send("sync.push", { tenantId: "tenant a", runId: "" })).rejects.toThrow(
      /Refused to enqueue "sync.push": tenantId: letters, digits, '_' or '-' only; runId: /,
    );
    await expect(worker.send("sync.initial", { tenantId: "t", runId: "r", objects: ["Account; DROP"] })).rejects.toBeInstanceOf(InvalidJobError);
    await expect(worker.send("maintenance.prune", { tenantId: "t" } as never)).rejects.toThrow(/Unrecognized key: "tenantId"/);
    await expect(worker.send("sync.everything" as never, {} as never)).rejects.toThrow(/unknown job; expected one of sync.initial/);
    const rows = await database.query<{ count: number }>("SELECT count(*)::int AS count FROM pgboss.job");
    expect(rows[0]?.count).toBe(0);
  });

  it("never runs two jobs of one tenant at once, while other tenants run alongside", async () => {
    const database = await setup(backend);
    const active = new Map<string, number>();
    const peakPerTenant = new Map<string, number>();
    let activeTotal = 0;
    let peakTotal = 0;
    const finished: string[] = [];
    const handler = async (payload: { tenantId: string; runId: string }) => {
      const running = (active.get(payload.tenantId) ?? 0) + 1;
      active.set(payload.tenantId, running);
      peakPerTenant.set(payload.tenantId, Math.max(peakPerTenant.get(payload.tenantId) ?? 0, running));
      peakTotal = Math.max(peakTotal, ++activeTotal);
      await sleep(700);
      active.set(payload.tenantId, running - 1);
      activeTotal--;
      finished.push(payload.runId);
    };
    const handlers = { "sync.initial": handler, "sync.incremental": handler, "sync.push": handler };
    // Two workers stand for two processes: the limit must hold across them, not just within one.
    const first = track(await startTestWorker(database.connection, handlers, { tenantConcurrency: 3 }));
    const second = backend === "postgres" ? track(await startTestWorker(database.connection, handlers, { tenantConcurrency: 3 })) : first;

    await first.send("sync.initial", { tenantId: "tenant-a", runId: "a1" });
    await second.send("sync.incremental", { tenantId: "tenant-a", runId: "a2" });
    await first.send("sync.push", { tenantId: "tenant-a", runId: "a3" });
    await second.send("sync.incremental", { tenantId: "tenant-b", runId: "b1" });
    await first.send("sync.push", { tenantId: "tenant-c", runId: "c1" });

    await waitUntil(() => finished.length === 5, 30_000);
    expect(peakPerTenant.get("tenant-a")).toBe(1);
    expect(peakTotal).toBeGreaterThanOrEqual(2);
    expect(finished.indexOf("b1")).toBeLessThan(finished.indexOf("a3"));
  });

  it("retries a failing job per the catalog, then fails it", async () => {
    const database = await setup(backend);
    const attempts: Record<string, number[]> = { "maintenance.prune": [], "sync.reconcile": [] };
    const before = {
      retried: await jobCount("sync.reconcile", "retried"),
      failed: await jobCount("sync.reconcile", "failed"),
    };
    const worker = track(
      await startTestWorker(database.connection, {
        "maintenance.prune": async (_payload, { attempt }) => {
          attempts["maintenance.prune"]?.push(attempt);
          throw new Error("prune failed");
        },
        "sync.reconcile": async (_payload, { attempt }) => {
          attempts["sync.reconcile"]?.push(attempt);
          throw new Error("Salesforce unavailable");
        },
      }),
    );

    for (const [name, payload] of [
      ["maintenance.prune", {}],
      ["sync.reconcile", { tenantId: "tenant-a", runId: "r1" }],
    ] as const) {
      const definition = jobCatalog[name];
      const id = await worker.send(name, payload as never);
      for (let retry = 1; retry <= definition.retryLimit; retry++) {
        const row = await waitUntil(async () => {
          const [job] = await database.query<JobRow>(jobRowsSql, [id]);
          return job?.state === "retry" && job.retry_count === retry - 1 ? job : undefined;
        });
        // The catalog's delay is honoured (backoff only lengthens it) ...
        expect(row.delay_seconds).toBeGreaterThan(definition.retryDelay * 0.5 - 5);
        // ... and the test moves time forward instead of waiting it out.
        await database.query("UPDATE pgboss.job SET start_after = now() WHERE id = $1", [id]);
      }
      const final = await waitUntil(async () => {
        const [job] = await database.query<JobRow>(jobRowsSql, [id]);
        return job?.state === "failed" ? job : undefined;
      });
      expect(final.retry_count).toBe(definition.retryLimit);
      expect(attempts[name]).toEqual(Array.from({ length: definition.retryLimit + 1 }, (_, attempt) => attempt));
    }
    expect(await jobCount("sync.reconcile", "retried")).toBe(before.retried + jobCatalog["sync.reconcile"].retryLimit);
    expect(await jobCount("sync.reconcile", "failed")).toBe(before.failed + 1);
  });

  it("stop() lets a running job finish and takes no new work", async () => {
    const database = await setup(backend);
    let started = 0;
    let completed = 0;
    const worker = await startTestWorker(database.connection, {
      "sync.push": async () => {
        started++;
        await sleep(1500);
        completed++;
      },
    });
    const running = await worker.send("sync.push", { tenantId: "tenant-a", runId: "p1" });
    await waitUntil(() => started === 1);
    const queued = await worker.send("sync.push", { tenantId: "tenant-a", runId: "p2" });

    await worker.stop();
    expect(completed).toBe(1);
    expect((await database.query<JobRow>(jobRowsSql, [running]))[0]?.state).toBe("completed");
    await sleep(1000);
    expect(started).toBe(1);
    expect((await database.query<JobRow>(jobRowsSql, [queued]))[0]?.state).toBe("created");
  });

  it("stop() gives up on a job that outlives its grace period, aborting it and returning it to the queue", async () => {
    const database = await setup(backend);
    let aborted = false;
    const worker = await startTestWorker(
      database.connection,
      {
        "sync.initial": async (_payload, { signal }) => {
          await new Promise<void>((resolve) => {
            signal.addEventListener("abort", () => {
              aborted = true;
              resolve();
            });
            setTimeout(resolve, 10_000);
          });
        },
      },
      { stopTimeoutMs: 1000 },
    );
    const id = await worker.send("sync.initial", { tenantId: "tenant-a", runId: "i1" });
    await waitUntil(async () => (await database.query<JobRow>(jobRowsSql, [id]))[0]?.state === "active");
    const stoppedAt = Date.now();
    await worker.stop();
    expect(Date.now() - stoppedAt).toBeLessThan(5000);
    const [row] = await database.query<JobRow>(jobRowsSql, [id]);
    expect(row?.state).toBe("retry");
    await waitUntil(() => aborted, 5000);
  });
});
