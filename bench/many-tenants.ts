/**
 * Item 6 of the benchmark issue: many small tenants' incremental cycles beside one big initial
 * sync, on two standalone worker processes against one Postgres. Each small tenant's cycle is
 * queued with a due time (startAfter), first without the big sync (baseline), then while the big
 * tenant's Lead read is running; the delay is the job's start minus its due time. Some tenants get
 * a second job at the same due time, and every job's start and end (noted by the worker) is checked
 * for overlaps per tenant. Prints figures only.
 *
 *   pnpm --filter @ferry/bench exec tsx many-tenants.ts [--quick] [--tenants n] [--leads n] [--window s]
 */
import type postgres from "postgres";
import { createLogger } from "@ferry/observability";
import { SYNC_OBJECTS } from "@ferry/sync";
import { startWorker } from "@ferry/jobs";
import { addTenant, ferryDatabase, startWorkerProcess, type JobRow } from "./ferry";
import { arg, fmt, median, printTable, quick, SMALL_OBJECTS, startEmulatorProcess, summary, TINY_OBJECTS, waitFor, writeResult } from "./lib";

const TENANTS = Number(arg("tenants") ?? (quick ? 30 : 200));
const LEADS = Number(arg("leads") ?? (quick ? 30_000 : 1_000_000));
/** Every small tenant's cycle falls due once within this window (5-minute cycles, compressed). */
const WINDOW_S = Number(arg("window") ?? (quick ? 10 : 60));
const logger = createLogger({ name: "bench", level: "warn" });

console.log(`many tenants: ${TENANTS} small tenants, cycles due across ${WINDOW_S} s, one tenant syncing ${fmt(LEADS)} Leads; 2 worker processes × 4 slots`);
const bigOrg = await startEmulatorProcess({ ...SMALL_OBJECTS, Lead: LEADS }, { seed: 4 });
const smallOrg = await startEmulatorProcess(TINY_OBJECTS, { seed: 5, orgNumber: 2 });
const ferry = await ferryDatabase();
const sql: postgres.Sql = ferry.sql;
const workers = [await startWorkerProcess(ferry.url, { label: "worker-1" }), await startWorkerProcess(ferry.url, { label: "worker-2" })];
const sender = await startWorker({ boss: { kind: "postgres", connectionString: ferry.url }, handlers: {}, logger, schedule: false });

interface Scheduled {
  runId: string;
  tenantId: string;
  due: number;
}

async function scheduleCycles(phase: string, tenants: string[], duplicateEvery: number): Promise<Scheduled[]> {
  const t0 = Date.now() + 2_000;
  const scheduled: Scheduled[] = [];
  for (const [i, tenantId] of tenants.entries()) {
    const due = Math.round(t0 + (i * WINDOW_S * 1000) / tenants.length);
    const copies = duplicateEvery && i % duplicateEvery === 0 ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const runId = `${phase}-${i}-${c}-${due}`;
      await sender.send("sync.incremental", { tenantId, runId }, { startAfter: new Date(due) });
      scheduled.push({ runId, tenantId, due });
    }
  }
  return scheduled;
}

async function delaysOf(scheduled: Scheduled[], bigPid?: number) {
  const timeout = (WINDOW_S + 300) * 1000;
  await waitFor(
    "cycles to finish",
    async () => {
      const [row] = await sql<
        { n: number }[]
      >`select count(*)::int as n from bench_jobs where run_id = any(${scheduled.map((s) => s.runId)}) and finished_at is not null`;
      return row!.n >= scheduled.length;
    },
    timeout,
    500,
  );
  const rows = await sql<JobRow[]>`select * from bench_jobs where run_id = any(${scheduled.map((s) => s.runId)})`;
  const byRun = new Map(rows.map((r) => [r.run_id, r]));
  const firsts = scheduled.filter((s) => s.runId.endsWith(`-0-${s.due}`));
  const delayOf = (s: Scheduled) => (byRun.get(s.runId)!.started_at.getTime() - s.due) / 1000;
  const delays = firsts.map(delayOf);
  // Cycles run by the process that also runs the big sync share its event loop; the others do not.
  const besideBig = firsts.filter((s) => byRun.get(s.runId)!.pid === bigPid).map(delayOf);
  const otherProcess = firsts.filter((s) => byRun.get(s.runId)!.pid !== bigPid).map(delayOf);
  const durations = rows.map((r) => (r.finished_at!.getTime() - r.started_at.getTime()) / 1000);
  const outcomes = rows.reduce<Record<string, number>>((acc, r) => ((acc[r.outcome ?? "none"] = (acc[r.outcome ?? "none"] ?? 0) + 1), acc), {});
  return {
    delays: summary(delays),
    besideBig: summary(besideBig),
    otherProcess: summary(otherProcess),
    cycleSeconds: summary(durations),
    outcomes,
    jobs: rows.length,
  };
}

const results: Record<string, unknown> = {};
try {
  const small: string[] = [];
  for (let i = 0; i < TENANTS; i++) small.push((await addTenant(ferry, smallOrg)).tenantId);
  // Small tenants start from a finished initial sync: every object's checkpoint at "now", as the
  // initial sync leaves it, so each job is a real incremental cycle against the small org.
  await sql`
    insert into sync_checkpoints (tenant_id, object, mode, last_modstamp, initial_done_at, updated_at)
    select t, o, 'incremental', now() - interval '1 minute', now(), now() from unnest(${small}::text[]) t, unnest(${[...SYNC_OBJECTS]}::text[]) o`;
  const big = (await addTenant(ferry, bigOrg)).tenantId;

  console.log("  phase 1: cycles alone");
  const baseline = await delaysOf(await scheduleCycles("base", small, 0));

  console.log("  phase 2: cycles beside the big initial sync");
  const bigRun = `big-${Date.now()}`;
  await sender.send("sync.initial", { tenantId: big, runId: bigRun });
  await waitFor(
    "the big sync to commit Lead chunks",
    async () => (await sql`select 1 from bench_commits where run_id = ${bigRun} and object = 'Lead' limit 1`).length > 0,
    30 * 60_000,
    250,
  );
  const [bigStarted] = await sql<{ pid: number }[]>`select pid from bench_jobs where run_id = ${bigRun}`;
  const loaded = await delaysOf(await scheduleCycles("busy", small, 10), bigStarted?.pid);
  const commits = await sql<{ at: Date }[]>`select at from bench_commits where run_id = ${bigRun} and object = 'Lead' order by at`;
  const gaps = commits.slice(1).map((c, i) => (c.at.getTime() - commits[i]!.at.getTime()) / 1000);
  const chunk = median(gaps);
  const [progress] = await sql<{ processed: number; finished: boolean }[]>`
    select coalesce(max(processed), 0)::int as processed, bool_or(finished_at is not null) as finished from sync_run_objects where run_id = ${bigRun} and object = 'Lead'`;
  const [bigJob] = await sql<JobRow[]>`select * from bench_jobs where run_id = ${bigRun}`;

  // Per tenant, no job may start before the tenant's previous job ended (every job of both phases).
  const all = await sql<JobRow[]>`select * from bench_jobs order by tenant_id, started_at`;
  let overlaps = 0;
  for (let i = 1; i < all.length; i++) {
    const previous = all[i - 1]!;
    const current = all[i]!;
    if (previous.tenant_id !== current.tenant_id) continue;
    if (!previous.finished_at || previous.finished_at > current.started_at) overlaps++;
  }
  const pids = new Set(all.map((r) => r.pid));

  printTable(`6. Small tenants' cycle delay (job start − due time), ${TENANTS} tenants, 2 workers × 4 slots`, [
    ["", "cycles", "delay p50 s", "p95 s", "max s", "cycle p50 s", "cycle p95 s"],
    [
      "alone (baseline)",
      baseline.delays.n,
      baseline.delays.p50.toFixed(2),
      baseline.delays.p95.toFixed(2),
      baseline.delays.max.toFixed(2),
      baseline.cycleSeconds.p50.toFixed(2),
      baseline.cycleSeconds.p95.toFixed(2),
    ],
    [
      `beside the ${fmt(LEADS)}-Lead sync`,
      loaded.delays.n,
      loaded.delays.p50.toFixed(2),
      loaded.delays.p95.toFixed(2),
      loaded.delays.max.toFixed(2),
      loaded.cycleSeconds.p50.toFixed(2),
      loaded.cycleSeconds.p95.toFixed(2),
    ],
    [
      `  in the big sync's worker process`,
      loaded.besideBig.n,
      loaded.besideBig.p50.toFixed(2),
      loaded.besideBig.p95.toFixed(2),
      loaded.besideBig.max.toFixed(2),
      "",
      "",
    ],
    [
      `  in the other worker process`,
      loaded.otherProcess.n,
      loaded.otherProcess.p50.toFixed(2),
      loaded.otherProcess.p95.toFixed(2),
      loaded.otherProcess.max.toFixed(2),
      "",
      "",
    ],
  ]);
  printTable("Big sync and exclusivity", [
    ["", "value"],
    ["big sync: Lead chunk (10,000 rows) duration, median s", chunk.toFixed(2)],
    ["big sync: Leads committed when the cycles were done", `${fmt(progress?.processed ?? 0)} of ${fmt(LEADS)}${progress?.finished ? " (finished)" : ""}`],
    ["big sync job ran in worker pid", String(bigJob?.pid ?? "—")],
    ["jobs checked (both phases, incl. duplicate sends)", all.length],
    ["worker processes that ran jobs", pids.size],
    ["overlapping jobs of one tenant (target 0)", overlaps],
    [
      "cycle outcomes",
      Object.entries(loaded.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(", "),
    ],
  ]);
  Object.assign(results, {
    tenants: TENANTS,
    leads: LEADS,
    windowSeconds: WINDOW_S,
    baseline,
    loaded,
    chunkSeconds: chunk,
    bigProgress: progress,
    jobsChecked: all.length,
    workerPids: [...pids],
    overlaps,
  });
} finally {
  await sender.stop();
  await Promise.all(workers.map((w) => w.stop()));
  await ferry.drop();
  await bigOrg.stop();
  await smallOrg.stop();
}
await writeResult("many-tenants", results);
process.exit(0);
