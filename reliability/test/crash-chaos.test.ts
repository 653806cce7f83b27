import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant, rowsOf } from "@ferry/db";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { SYNC_OBJECTS } from "@ferry/sync";
import { checksum, emulatorRows, runObjects, SMALL_COUNTS, startOrg, storedRows } from "@ferry/sync/testing";
import { connectedTenant, openQueue, random, readPageLog, record, SIZE, sleep, startWorkerProcess, waitFor, workDir, type WorkerProcess } from "../src/harness";

// Full: the 200,000 records and 20 kills. CI: the same path at a size that fits.
const TOTAL = SIZE === "full" ? 200_000 : 100_000;
const KILLS = SIZE === "full" ? 20 : 5;
const others = Object.entries(SMALL_COUNTS).reduce((n, [object, count]) => (object === "Lead" ? n : n + count), 0);
const counts = { ...SMALL_COUNTS, Lead: TOTAL - others };

describe("crash chaos: the real worker process SIGKILLed during an initial sync on Postgres", () => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  beforeAll(async () => {
    emu = await startOrg({ counts, controlApi: true });
    db = await createTestDatabase("postgres");
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it(`survives ${KILLS} SIGKILLs at random points with an exact copy and at most one page re-read per crash`, async () => {
    const url = db.platformUrl!;
    const pageLog = join(workDir, "crash-pages.log");
    const logFile = join(workDir, "crash-worker.log");
    const { tenantId } = await connectedTenant(db, emu);
    let worker: WorkerProcess = await startWorkerProcess(url, { pageLog, logFile });
    const queue = await openQueue(url);
    const runId = "chaos";
    const jobId = await queue.send("sync.initial", { tenantId, runId });
    const runStatus = async () =>
      rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select status from sync_runs where id = ${runId}`)))[0]?.status as
        | string
        | undefined;
    const incarnations: number[] = [worker.pid];
    const killedAfterMs: number[] = [];
    const recoveredAfterMs: number[] = [];
    let attempts: number | undefined;
    let lastKilledAt = 0;
    const started = Date.now();
    try {
      let kills = 0;
      while (kills < KILLS) {
        // A random point: some time after this incarnation read its first page.
        const seen = readPageLog(pageLog).length;
        // After a kill, pg-boss's supervisor in the new worker fails the dead job once its heartbeat lapses; the retry resumes it.
        await waitFor("a page read by the new worker", async () => readPageLog(pageLog).length > seen || (await runStatus()) === "succeeded", 120_000, 50);
        if (kills > 0) recoveredAfterMs.push(Date.now() - lastKilledAt);
        if ((await runStatus()) === "succeeded") break;
        const delay = random(50, 2_500);
        await sleep(delay);
        await worker.kill("SIGKILL");
        lastKilledAt = Date.now();
        kills++;
        killedAfterMs.push(delay);
        worker = await startWorkerProcess(url, { pageLog, logFile });
        incarnations.push(worker.pid);
      }
      const seenAtLastKill = readPageLog(pageLog).length;
      await waitFor(
        "a page read after the last kill",
        async () => readPageLog(pageLog).length > seenAtLastKill || (await runStatus()) === "succeeded",
        120_000,
        50,
      );
      if (kills > 0) recoveredAfterMs.push(Date.now() - lastKilledAt);
      await waitFor("the run to finish", async () => (await runStatus()) === "succeeded", 20 * 60_000, 250);
      attempts = ((await queue.boss.getJobById("tenant-sync", jobId))?.retryCount ?? 0) + 1;
      expect(kills, "kills before the run finished (make the org larger if this fails)").toBeGreaterThanOrEqual(KILLS);
    } finally {
      await worker.kill("SIGTERM");
      await queue.stop();
    }
    const seconds = (Date.now() - started) / 1000;

    // Pages re-read: for each restarted incarnation, the pages it fetched that an earlier one had fetched.
    const log = readPageLog(pageLog);
    const fetchedBefore = new Set<string>();
    const rereads: number[] = [];
    for (const pid of incarnations) {
      const mine = log.filter((l) => l.pid === pid).map((l) => l.key);
      if (pid !== incarnations[0]) rereads.push(mine.filter((k) => fetchedBefore.has(k)).length);
      for (const k of mine) fetchedBefore.add(k);
    }
    const duplicateFetches = log.length - new Set(log.map((l) => l.key)).size;

    const counters = await runObjects(db, tenantId, runId);
    const differences: string[] = [];
    let records = 0;
    for (const object of SYNC_OBJECTS) {
      const expected = emulatorRows(emu, object);
      const stored = await storedRows(db, tenantId, object);
      records += stored.length;
      if (stored.length !== expected.length) differences.push(`${object}: ${stored.length} stored, ${expected.length} in Salesforce`);
      if (new Set(stored.map((r) => r.id)).size !== stored.length) differences.push(`${object}: duplicate ids`);
      if (checksum(stored) !== checksum(expected)) differences.push(`${object}: checksum differs`);
      const c = counters.find((r) => r.object === object);
      if (c?.processed !== expected.length || c.created !== expected.length)
        differences.push(`${object}: counters ${c?.processed}/${c?.created} for ${expected.length}`);
    }
    record(
      "1 crash chaos",
      `${rereads.length} SIGKILLs of the real worker (multi-process, Postgres), ${TOTAL.toLocaleString("en-US")} records`,
      differences.length === 0 && Math.max(...rereads) <= 1 ? "pass" : "FAIL",
      {
        kills: rereads.length,
        records,
        "kill delays after first page (ms)": killedAfterMs.join(","),
        "pages re-read per crash": rereads.join(","),
        "job attempts": attempts ?? "—",
        "kill to next page read, heartbeat lapse included (s)": recoveredAfterMs.map((ms) => (ms / 1000).toFixed(1)).join(","),
        "max re-read": Math.max(...rereads),
        "page fetches repeated in total": duplicateFetches,
        differences: differences.length,
        seconds: Math.round(seconds),
      },
    );
    expect(differences).toEqual([]);
    expect(Math.max(...rereads)).toBeLessThanOrEqual(1);
  });
});
