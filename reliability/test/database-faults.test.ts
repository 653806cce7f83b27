import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant, rowsOf } from "@ferry/db";
import { createTestDatabase, runtimeUrlFor, testAdminUrl, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { SYNC_OBJECTS } from "@ferry/sync";
import { freePort, productionCommand } from "@ferry/web/testing";
import { checksum, emulatorRows, failWritesWithDiskFull, SMALL_COUNTS, startOrg, storedRows } from "@ferry/sync/testing";
import { connectedTenant, masterKey, openQueue, random, readPageLog, record, SIZE, sleep, startWorkerProcess, waitFor, workDir } from "../src/harness";

const LEADS = SIZE === "full" ? 60_000 : 15_000;

/** Kills every backend connected to the test's database (the worker's, the web's, the test's own pool): Postgres itself keeps running. */
async function terminateConnections(database: string): Promise<number> {
  const admin = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
  try {
    const rows =
      await admin`select count(*)::int as n from (select pg_terminate_backend(pid) from pg_stat_activity where datname = ${database} and pid <> pg_backend_pid()) t`;
    return rows[0]!.n as number;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** The web process in Postgres mode, the compiled build as `pnpm start:web` runs it. */
async function startWeb(platformUrl: string): Promise<{ url: string; child: ChildProcess; lines: string[] }> {
  // A port the OS picked: a random one could be an ephemeral port of a connection in use.
  const port = await freePort();
  const { command, args, cwd } = productionCommand("web");
  const child = spawn(command, args, {
    cwd,
    env: {
      ...process.env,
      DATABASE_URL: runtimeUrlFor(platformUrl),
      DATABASE_PLATFORM_URL: platformUrl,
      BETTER_AUTH_SECRET: "reliability-suite-secret-0123456789abcdef",
      FERRY_MASTER_KEY: masterKey,
      PORT: String(port),
      HOST: "127.0.0.1",
      LOG_LEVEL: "warn",
      NODE_ENV: "production",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const onData = (c: Buffer) => {
    const added = c.toString().split("\n").filter(Boolean);
    lines.push(...added);
    for (const line of added) appendFileSync(join(workDir, "web.log"), `${line}\n`);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    "the web process to answer /healthz",
    async () => {
      if (child.exitCode !== null) throw new Error(`web exited (${child.exitCode}): ${lines.slice(-5).join("\n")}`);
      return fetch(`${url}/healthz`)
        .then((r) => r.ok)
        .catch(() => false);
    },
    120_000,
    250,
  );
  return { url, child, lines };
}

async function copyDifferences(emu: EmulatorHandle, db: TestDatabase, tenantId: string): Promise<string[]> {
  const out: string[] = [];
  for (const object of SYNC_OBJECTS) {
    const expected = emulatorRows(emu, object);
    const stored = await storedRows(db, tenantId, object);
    if (stored.length !== expected.length || new Set(stored.map((r) => r.id)).size !== stored.length || checksum(stored) !== checksum(expected))
      out.push(object);
  }
  return out;
}

/**
 * postgres.js's nextWrite throwing on a closed socket: the TypeError and its first frame. The worker
 * runs minified, so the frame's name is looked up in the bundle's source map (postgres/src/connection.js).
 */
function isUpstreamNextWriteCrash(lines: string[]): boolean {
  const at = lines.findIndex((l) => l.includes("TypeError: Cannot read properties of null (reading 'write')"));
  const frame = at < 0 ? undefined : lines.slice(at + 1).find((l) => l.trim().startsWith("at "));
  if (!frame) return false;
  if (frame.includes("nextWrite")) return true;
  const location = /\((file:\/\/[^)]+\.js):(\d+):(\d+)\)/.exec(frame);
  if (!location) return false;
  try {
    const map = new SourceMap(JSON.parse(readFileSync(`${fileURLToPath(location[1]!)}.map`, "utf8")));
    const entry = map.findEntry(Number(location[2]) - 1, Number(location[3]) - 1);
    return "originalSource" in entry && entry.originalSource.endsWith("/postgres/src/connection.js");
  } catch {
    return false;
  }
}

describe("database faults on Postgres (the server is never restarted: connections are terminated)", () => {
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

  it("connections killed mid-run: worker and web reconnect, the run resumes and completes exactly", async () => {
    const url = db.platformUrl!;
    const name = new URL(url).pathname.slice(1);
    const pageLog = join(workDir, "dbfault-pages.log");
    const { tenantId } = await connectedTenant(db, emu);
    const web = await startWeb(url);
    let worker = await startWorkerProcess(url, { pageLog, logFile: join(workDir, "dbfault-worker.log") });
    const queue = await openQueue(url);
    const runStatus = async () =>
      rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select status from sync_runs where id = 'dbfault'`)))[0]?.status as
        | string
        | undefined;
    const terminated: number[] = [];
    const crashes: string[] = [];
    let upstreamCrashes = 0;
    const alive = () => worker.child.exitCode === null && worker.child.signalCode === null;
    try {
      // A short retry delay stands in for the catalog's 60 s so the test takes seconds; see the report.
      const jobId = await queue.send("sync.initial", { tenantId, runId: "dbfault" }, { retryLimit: 5, retryDelay: 1 });
      for (let k = 0; k < (SIZE === "full" ? 3 : 1); k++) {
        const seen = readPageLog(pageLog).length;
        await waitFor(
          "the worker to read a page",
          async () => readPageLog(pageLog).length > seen || (await runStatus().catch(() => undefined)) === "succeeded",
          120_000,
          50,
        );
        await sleep(random(100, 800));
        terminated.push(await terminateConnections(name));
        await sleep(1_500);
        if (!alive()) {
          // What a process supervisor would do; the crash itself is the finding.
          // postgres.js 3.4.9 (the latest release) can throw from a setImmediate when Postgres closes a socket
          // that still has a write queued (porsager/postgres #1154, #1208; fixes unmerged): nothing can catch
          // it, so the process dies and its supervisor restarts it. That one is counted apart; any other crash fails.
          if (isUpstreamNextWriteCrash(worker.lines)) {
            upstreamCrashes++;
          } else {
            const cause =
              worker.lines.find((l) => /^error: |Unhandled 'error' event|Emitted 'error' event on (\w+)/.test(l)) ?? `exit ${worker.child.exitCode}`;
            crashes.push(`${cause.slice(0, 80)} ${worker.lines.find((l) => l.startsWith("Emitted 'error' event on"))?.slice(0, 60) ?? ""}`.trim());
          }
          worker = await startWorkerProcess(url, { pageLog, logFile: join(workDir, "dbfault-worker.log") });
        }
      }
      const before = Date.now();
      await waitFor(
        "web /readyz 200 again",
        async () =>
          fetch(`${web.url}/readyz`)
            .then((r) => r.ok)
            .catch(() => false),
        60_000,
        200,
      );
      const readyAfter = Date.now() - before;
      await waitFor("the run to finish", async () => (await runStatus().catch(() => undefined)) === "succeeded", 10 * 60_000, 250);
      const job = await queue.boss.getJobById("tenant-sync", jobId);
      const differences = await copyDifferences(emu, db, tenantId);
      const workerAlive = crashes.length === 0 && alive();
      const webAlive = web.child.exitCode === null;
      record(
        "4 connections killed",
        `pg_terminate_backend on every connection of the database, ${terminated.length}× during an initial sync of ${LEADS + 983} records`,
        differences.length === 0 && workerAlive && webAlive ? "pass" : "FAIL",
        {
          "backends terminated": terminated.join("+"),
          "worker crashes (restarted by the test)": crashes.length ? crashes.join(" | ") : 0,
          "worker restarts after postgres.js nextWrite (upstream #1208)": upstreamCrashes,
          "job attempts": (job?.retryCount ?? 0) + 1,
          "worker process alive": String(workerAlive),
          "web process alive": String(webAlive),
          "web /readyz ok again after (ms)": readyAfter,
          differences: differences.length,
        },
      );
      expect(differences).toEqual([]);
      expect(webAlive).toBe(true);
      expect(crashes, "the worker process survives its connections being terminated").toEqual([]);
    } finally {
      await queue.stop().catch(() => undefined);
      await worker.kill("SIGTERM");
      web.child.kill("SIGTERM");
      await new Promise((resolve) => (web.child.exitCode !== null ? resolve(null) : web.child.once("exit", resolve)));
    }
  });

  it("a disk-full error on write ends the run failed with the reason, bounded retries, no crash loop", async () => {
    const url = db.platformUrl!;
    const { tenantId } = await connectedTenant(db, emu);
    const diskFreed = await failWritesWithDiskFull(db, tenantId, "Contact");
    const worker = await startWorkerProcess(url, { logFile: join(workDir, "diskfull-worker.log") });
    const queue = await openQueue(url);
    try {
      const retryLimit = 2;
      const jobId = await queue.send("sync.initial", { tenantId, runId: "diskfull" }, { retryLimit, retryDelay: 1 });
      const job = await waitFor(
        "the job to end",
        async () => {
          const j = await queue.boss.getJobById("tenant-sync", jobId);
          return j && ["failed", "completed"].includes(j.state) ? j : undefined;
        },
        5 * 60_000,
        250,
      );
      const run = rowsOf(
        await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select status, error, error_code from sync_runs where id = 'diskfull'`)),
      )[0] as { status: string; error: string; error_code: string };
      const readState = async () =>
        rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select state, message from sync_states`)))[0] as
          | { state: string; message: string | null }
          | undefined;
      // Read until it says failed (10 s at most): once, at load 16–24, it still said running when the job had failed.
      const state = await waitFor(
        "the tenant's state to say failed",
        async () => {
          const read = await readState();
          return read?.state === "failed" ? read : undefined;
        },
        10_000,
        250,
      ).catch(() => readState());
      const notices = rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select kind from notifications`))).map((n) => String(n.kind));
      const mails = rowsOf(
        await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select subject from email_outbox where meta->>'kind' = 'sync_failed'`)),
      ).length;
      await sleep(1_000);
      const workerAlive = worker.child.exitCode === null && worker.child.signalCode === null;
      const failures = worker.lines.filter((l) => l.includes('"job failed"')).length;
      record(
        "4 disk full on write",
        "errcode 53100 raised on every Contact insert of one tenant",
        job.state === "failed" && workerAlive && run?.status === "failed" && /No space left/.test(run?.error ?? "") ? "pass" : "FAIL",
        {
          "job state": job.state,
          "attempts (retryLimit+1)": `${(job.retryCount ?? 0) + 1} (${retryLimit + 1})`,
          "run status": `${run?.status}/${run?.error_code}`,
          "run reason": String(run?.error).slice(0, 100),
          "tenant state shown": `${state?.state}${state?.message ? `: ${state.message.slice(0, 60)}` : ""}`,
          "worker alive": String(workerAlive),
          "job failures logged": failures,
          notifications: notices.join(",") || "none",
          "sync-failed mails in the outbox": mails,
        },
      );
      expect(job.state).toBe("failed");
      expect(workerAlive).toBe(true);
      expect(run.error).toMatch(/No space left on device/);
      // The last attempt says the sync failed: run, tenant state, notification and a mail to the owner.
      expect(run.status, "the run ends as failed once the job gives up").toBe("failed");
      expect(state?.state).toBe("failed");
      expect(notices).toEqual(["sync_failed"]);
      expect(mails).toBe(1);
    } finally {
      await queue.stop().catch(() => undefined);
      await worker.kill("SIGTERM");
      await diskFreed();
    }
  });
});
