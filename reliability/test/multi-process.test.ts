import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant, rowsOf } from "@ferry/db";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { SYNC_OBJECTS } from "@ferry/sync";
import { TENANT_QUEUE } from "@ferry/jobs";
import { checksum, emulatorRows, SMALL_COUNTS, startOrg, storedRows } from "@ferry/sync/testing";
import {
  connectedTenant,
  HOLD_BULK_QUERIES,
  openQueue,
  readPageLog,
  record,
  releaseUntilResultPage,
  SIZE,
  startWorkerProcess,
  waitFor,
  workDir,
  type WorkerProcess,
} from "../src/harness";

const LEADS = SIZE === "full" ? 60_000 : 12_000;

describe("multi-process deployment: two worker processes on one Postgres", () => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: LEADS }, controlApi: true });
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("killing the worker that runs a sync makes the other one finish it; one tenant's jobs never overlap", async () => {
    const url = db.platformUrl!;
    const pageLog = join(workDir, "multi-pages.log");
    const { tenantId } = await connectedTenant(db, emu);
    const workers: WorkerProcess[] = [];
    for (let k = 0; k < 2; k++) workers.push(await startWorkerProcess(url, { pageLog, logFile: join(workDir, `multi-worker-${k}.log`) }));
    const queue = await openQueue(url);
    try {
      emu.setFaults(HOLD_BULK_QUERIES);
      const initial = await queue.send("sync.initial", { tenantId, runId: "multi" });
      // Two more jobs for the same tenant, queued behind it: the singleton tenant queue must run them one at a time.
      const incremental = await queue.send("sync.incremental", { tenantId, runId: "multi-inc" });
      const reconcile = await queue.send("sync.reconcile", { tenantId, runId: "multi-rec" });
      // The worker running the sync is killed while it waits for the Leads' one Bulk page (held by the
      // org until then, so it dies before reading it however fast the machine).
      const runnerPid = await releaseUntilResultPage(emu, pageLog, 120_000);
      const runner = workers.find((w) => w.pid === runnerPid)!;
      const other = workers.find((w) => w !== runner)!;
      await runner.kill("SIGKILL");
      const readBeforeKill = readPageLog(pageLog).length;
      emu.setFaults({ hold: null });
      // The other worker's pg-boss supervisor fails the dead job once its heartbeat lapses, then runs the retry.
      const runStatus = async (id: string) =>
        rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select status from sync_runs where id = ${id}`)))[0]?.status as
          | string
          | undefined;
      await waitFor("the initial run to finish", async () => (await runStatus("multi")) === "succeeded", 10 * 60_000, 250);
      // Who read the pages after the kill: the survivor, re-reading what the dead worker had not committed.
      const finishedBy = new Set(
        readPageLog(pageLog)
          .slice(readBeforeKill)
          .map((l) => l.pid),
      );
      await waitFor(
        "the queued jobs to finish",
        async () => {
          const states = await Promise.all([incremental, reconcile].map((id) => queue.state(id)));
          return states.every((s) => s === "completed" || s === "failed");
        },
        5 * 60_000,
        250,
      );
      const jobs = (await Promise.all([initial, incremental, reconcile].map((id) => queue.boss.getJobById(TENANT_QUEUE, id)))).map((j) => j!);
      // The final attempt of each job: [startedOn, completedOn]; no two of one tenant may overlap.
      const spans = jobs.map((j) => [new Date(j.startedOn!).getTime(), new Date(j.completedOn!).getTime()] as const);
      let overlaps = 0;
      for (let a = 0; a < spans.length; a++)
        for (let b = a + 1; b < spans.length; b++) if (spans[a]![0] < spans[b]![1] && spans[b]![0] < spans[a]![1]) overlaps++;
      const differences: string[] = [];
      for (const object of SYNC_OBJECTS) {
        const expected = emulatorRows(emu, object);
        const stored = await storedRows(db, tenantId, object);
        if (stored.length !== expected.length || checksum(stored) !== checksum(expected)) differences.push(object);
      }
      record(
        "6 two workers",
        `two worker processes; the one running the initial sync (${LEADS + 983} records) SIGKILLed; 2 more jobs of the tenant queued`,
        finishedBy.has(other.pid) && !finishedBy.has(runner.pid) && overlaps === 0 && differences.length === 0 ? "pass" : "FAIL",
        {
          "killed worker": runner.pid,
          "finished by": [...finishedBy].join(","),
          "job states": jobs.map((j) => j.state).join(","),
          "overlapping jobs of the tenant": overlaps,
          differences: differences.length,
        },
      );
      expect(finishedBy.has(other.pid)).toBe(true);
      expect(overlaps).toBe(0);
      expect(differences).toEqual([]);
    } finally {
      await queue.stop().catch(() => undefined);
      for (const w of workers) await w.kill("SIGTERM");
    }
  });
});
