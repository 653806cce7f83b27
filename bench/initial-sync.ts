/**
 * Items 1–4 of the benchmark issue, from the same runs: initial-sync throughput of Ferry (b) against
 * the limit pipeline (a) on Postgres, alternated, median of N; the API calls of Ferry's initial sync
 * per object; the worker process's peak RSS; and live progress events seen by a socket.io client.
 * Then the same a/b comparison on PGlite (embedded mode) with fewer Leads. Prints figures only.
 *
 *   pnpm --filter @ferry/bench exec tsx initial-sync.ts [--quick] [--leads n] [--runs n] [--pglite-leads n] [--careful-ferry-indexes]
 *
 * --careful-ferry-indexes: the careful peer writes into a table with the record browser's keys and
 * indexes, as `sf_records` has them (what those indexes cost, apart from the rest of Ferry's work).
 */
import { createLogger } from "@ferry/observability";
import { startWorker } from "@ferry/jobs";
import { addTenant, chunkSplit, ferryDatabase, runObjectCalls, startWorkerProcess, waitForJob } from "./ferry";
import {
  arg,
  fmt,
  median,
  printTable,
  quick,
  scratchDatabase,
  sleep,
  spawnTs,
  QUICK_OBJECTS,
  SMALL_OBJECTS,
  startEmulatorProcess,
  summary,
  writeResult,
  type EmulatorProcess,
} from "./lib";
import { liveClient, type LiveFigures } from "./live";
import { runCarefulPeer } from "./careful";
import { runLimitPipeline, type LimitResult } from "./pipeline";

// Above 10,000 the engine reads Leads through Bulk 2.0, as it does at full size.
const LEADS = Number(arg("leads") ?? (quick ? 15_000 : 1_000_000));
const RUNS = Number(arg("runs") ?? 3);
const PGLITE_LEADS = Number(arg("pglite-leads") ?? (quick ? 5_000 : 100_000));
// Each PGlite run starts a process that migrates a fresh embedded database (~10 s here): one quick run.
const PGLITE_RUNS = Number(arg("pglite-runs") ?? (quick ? 1 : RUNS));
const CAREFUL_FERRY_INDEXES = process.argv.includes("--careful-ferry-indexes");
const logger = createLogger({ name: "bench", level: "warn" });

interface FerryResult {
  seconds: number;
  runSeconds: number;
  records: number;
  calls: Record<string, number>;
  engineCalls: Record<string, number>;
  objectSeconds: Record<string, number | null>;
  leadChunks: { chunks: number; readMedian: number; writeMedian: number; intervalMedian: number };
  peakMb: number;
  readyMb: number;
  live: LiveFigures;
}

async function limitRun(emu: EmulatorProcess): Promise<LimitResult> {
  const target = await scratchDatabase("ferry_bench_limit");
  try {
    return await runLimitPipeline(emu, { kind: "postgres", url: target.url });
  } finally {
    await target.drop();
  }
}

async function carefulRun(emu: EmulatorProcess): Promise<LimitResult> {
  const target = await scratchDatabase("ferry_bench_limit");
  try {
    return await runCarefulPeer(emu, { kind: "postgres", url: target.url }, { ferryIndexes: CAREFUL_FERRY_INDEXES });
  } finally {
    await target.drop();
  }
}

async function ferryRun(emu: EmulatorProcess): Promise<FerryResult> {
  const ferry = await ferryDatabase();
  try {
    const { tenantId, ownerId } = await addTenant(ferry, emu);
    const live = await liveClient(ferry.url, ferry.sql, ownerId);
    const worker = await startWorkerProcess(ferry.url);
    const sender = await startWorker({ boss: { kind: "postgres", connectionString: ferry.url }, handlers: {}, logger, schedule: false });
    try {
      const runId = `initial-${Date.now()}`;
      const sentAt = Date.now();
      await sender.send("sync.initial", { tenantId, runId });
      const job = await waitForJob(ferry.sql, runId, 60 * 60_000);
      await sleep(300);
      const finished = job.finished_at!.getTime();
      const objects = await runObjectCalls(ferry.sql, runId);
      const commits = await ferry.sql<
        { object: string; processed: string; at: Date }[]
      >`select object, processed, at from bench_commits where run_id = ${runId}`;
      const commitAt = new Map(commits.map((c) => [`${c.object}|${Number(c.processed)}`, c.at.getTime()]));
      const progress = live.received.filter((e) => e.event === "sync.progress" && e.payload.runId === runId);
      const seen = new Set<string>();
      const latencies: number[] = [];
      for (const e of progress) {
        const key = `${e.payload.object}|${e.payload.processed}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const at = commitAt.get(key);
        if (at !== undefined) latencies.push(e.receivedAt - at);
      }
      const runSeconds = (finished - job.started_at.getTime()) / 1000;
      const split = await chunkSplit(ferry.sql, runId, "Lead");
      return {
        seconds: (finished - sentAt) / 1000,
        runSeconds,
        records: objects.reduce((s, o) => s + o.processed, 0),
        calls: job.calls ?? {},
        engineCalls: Object.fromEntries(objects.map((o) => [o.object, o.api_calls])),
        objectSeconds: Object.fromEntries(objects.map((o) => [o.object, o.seconds])),
        leadChunks: {
          chunks: split.chunks,
          readMedian: median(split.readSeconds),
          writeMedian: median(split.writeSeconds),
          intervalMedian: median(split.intervalSeconds),
        },
        peakMb: worker.peakMb(),
        readyMb: worker.readyMb,
        live: {
          progressEvents: progress.length,
          matched: latencies.length,
          latencyMs: summary(latencies),
          firstEventMs: progress[0] ? progress[0].receivedAt - job.started_at.getTime() : null,
          eventsPerSecond: progress.length / runSeconds,
        },
      };
    } finally {
      await sender.stop();
      await worker.stop();
      await live.close();
    }
  } finally {
    await ferry.drop();
  }
}

async function embeddedRun(
  emu: EmulatorProcess,
  mode: "limit" | "careful" | "ferry",
): Promise<{ seconds: number; runSeconds?: number; records: number; peakMb: number; events?: number }> {
  let result: string | undefined;
  const child = spawnTs("embedded-child.ts", { BENCH_MODE: mode, BENCH_EMULATOR: JSON.stringify(emu) }, (line) => {
    if (line.startsWith("RESULT ")) result = line.slice(7);
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (!result) throw new Error(`embedded ${mode} run exited ${code} without a result`);
  return JSON.parse(result);
}

console.log(`initial sync: ${fmt(LEADS)} Leads + small objects, ${RUNS} alternating runs; PGlite ${fmt(PGLITE_LEADS)} Leads`);
async function postgresPart() {
  const emu = await startEmulatorProcess({ ...(quick ? QUICK_OBJECTS : SMALL_OBJECTS), Lead: LEADS });
  const limits: LimitResult[] = [];
  const carefuls: LimitResult[] = [];
  const ferries: FerryResult[] = [];
  // Interleaved, the order rotating each round, so a change in the machine's load hits all three alike.
  const ORDERS = [
    ["a", "c", "b"],
    ["b", "a", "c"],
    ["c", "b", "a"],
  ] as const;
  try {
    for (let i = 0; i < RUNS; i++) {
      for (const which of ORDERS[i % 3]!) {
        if (which === "a") {
          const r = await limitRun(emu);
          limits.push(r);
          console.log(`  run ${i + 1}a limit pipeline: ${r.seconds.toFixed(1)} s, ${fmt(r.records)} records, ${r.calls} calls`);
        } else if (which === "c") {
          const r = await carefulRun(emu);
          carefuls.push(r);
          console.log(`  run ${i + 1}c careful peer: ${r.seconds.toFixed(1)} s, ${fmt(r.records)} records, ${r.calls} calls`);
        } else {
          const r = await ferryRun(emu);
          ferries.push(r);
          const calls = Object.values(r.calls).reduce((s, n) => s + n, 0);
          console.log(
            `  run ${i + 1}b Ferry: ${r.seconds.toFixed(1)} s (run ${r.runSeconds.toFixed(1)} s), ${fmt(r.records)} records, ${calls} calls, peak RSS ${r.peakMb.toFixed(0)} MB`,
          );
        }
      }
    }
  } finally {
    await emu.stop();
  }

  const a = median(limits.map((r) => r.seconds));
  const c = median(carefuls.map((r) => r.seconds));
  const b = median(ferries.map((r) => r.seconds));
  const bRun = median(ferries.map((r) => r.runSeconds));
  const records = ferries[0]!.records;
  printTable(`1. Initial sync on Postgres, ${fmt(records)} records (${fmt(LEADS)} Leads, ${limits[0]!.fields.Lead} Lead fields), median of ${RUNS}`, [
    ["", "seconds", "records/s", "runs (s)"],
    ["a limit pipeline (Bulk CSV → COPY text table)", a.toFixed(1), Math.round(limits[0]!.records / a), limits.map((r) => r.seconds.toFixed(1)).join(" ")],
    [
      `c careful peer (Bulk, read-ahead, CSV COPY, jsonb built in SQL, keyed table${CAREFUL_FERRY_INDEXES ? " with Ferry's indexes" : ""})`,
      c.toFixed(1),
      Math.round(carefuls[0]!.records / c),
      carefuls.map((r) => r.seconds.toFixed(1)).join(" "),
    ],
    ["b Ferry, job sent → run done", b.toFixed(1), Math.round(records / b), ferries.map((r) => r.seconds.toFixed(1)).join(" ")],
    ["b Ferry, run start → done", bRun.toFixed(1), Math.round(records / bRun), ferries.map((r) => r.runSeconds.toFixed(1)).join(" ")],
  ]);
  printTable("Ratios (medians of the interleaved runs)", [
    ["", "job sent → done", "run only", "target"],
    ["Ferry ÷ careful peer", (b / c).toFixed(2), (bRun / c).toFixed(2), "≤ 2.0 (goal 1.5)"],
    ["Ferry ÷ limit pipeline", (b / a).toFixed(2), (bRun / a).toFixed(2), ""],
  ]);

  printTable(
    "Where a Lead chunk's time goes (in the transaction: COPY to staging + insert + checkpoint; two chunks are written at once, so the previous commit → next start gap is negative when they overlap)",
    [
      ["run", "chunks", "commit → commit median s", "transaction median s", "previous commit → start median s"],
      ...ferries.map((r, i) => [
        `b${i + 1}`,
        r.leadChunks.chunks,
        fmt(r.leadChunks.intervalMedian, 2),
        fmt(r.leadChunks.writeMedian, 2),
        fmt(r.leadChunks.readMedian, 2),
      ]),
    ],
  );

  const last = ferries[ferries.length - 1]!;
  const objects = Object.keys(last.engineCalls).sort();
  printTable("2. API calls of Ferry's initial sync, per object (target ≤ 30 in all at 1,000,000 Leads)", [
    ["object", "HTTP requests seen", "engine counters", "object seconds"],
    ...objects.map((o) => [o, last.calls[o] ?? 0, last.engineCalls[o] ?? 0, fmt(last.objectSeconds[o], 1)]),
    ...Object.keys(last.calls)
      .filter((k) => !objects.includes(k))
      .map((k) => [k, last.calls[k]!, "—", ""]),
    ["total", Object.values(last.calls).reduce((s, n) => s + n, 0), Object.values(last.engineCalls).reduce((s, n) => s + n, 0), ""],
    ["limit pipeline total", limits[0]!.calls, "", ""],
    ["careful peer total", carefuls[0]!.calls, "", ""],
  ]);

  printTable(`3. Worker peak RSS (VmHWM) during the ${fmt(LEADS)}-Lead sync (target ≤ 250 MB)`, [
    ["run", "peak MB", "at ready, before the job MB"],
    ...ferries.map((r, i) => [`b${i + 1}`, r.peakMb.toFixed(0), r.readyMb.toFixed(0)]),
  ]);

  printTable("4. Live progress events through socket.io (targets: p95 ≤ 250 ms, first ≤ 2 s, ≥ 1/s)", [
    ["run", "events", "matched to commits", "commit→client p50 ms", "p95 ms", "max ms", "first event ms", "events/s"],
    ...ferries.map((r, i) => [
      `b${i + 1}`,
      r.live.progressEvents,
      r.live.matched,
      r.live.latencyMs.p50,
      r.live.latencyMs.p95,
      r.live.latencyMs.max,
      fmt(r.live.firstEventMs),
      r.live.eventsPerSecond.toFixed(2),
    ]),
  ]);
  return {
    limit: limits,
    careful: carefuls,
    ferry: ferries,
    medianSeconds: { a, c, b, bRun },
    ratio: b / a,
    ratioRunOnly: bRun / a,
    ratioCareful: b / c,
    ratioCarefulRunOnly: bRun / c,
    recordsPerSecond: records / b,
  };
}

async function pglitePart() {
  console.log(`\nPGlite (embedded), ${fmt(PGLITE_LEADS)} Leads + small objects`);
  const embeddedEmu = await startEmulatorProcess({ ...(quick ? QUICK_OBJECTS : SMALL_OBJECTS), Lead: PGLITE_LEADS }, { seed: 2 });
  type Embedded = { seconds: number; runSeconds?: number; records: number; peakMb: number };
  const embedded: { limit: Embedded[]; careful: Embedded[]; ferry: Embedded[] } = { limit: [], careful: [], ferry: [] };
  const ORDERS = [
    ["limit", "careful", "ferry"],
    ["ferry", "limit", "careful"],
    ["careful", "ferry", "limit"],
  ] as const;
  try {
    for (let i = 0; i < PGLITE_RUNS; i++) {
      for (const mode of ORDERS[i % 3]!) {
        const r = await embeddedRun(embeddedEmu, mode);
        embedded[mode].push(r);
        console.log(`  run ${i + 1} ${mode}: ${r.seconds.toFixed(1)} s, ${fmt(r.records)} records`);
      }
    }
  } finally {
    await embeddedEmu.stop();
  }
  const ea = median(embedded.limit.map((r) => r.seconds));
  const ec = median(embedded.careful.map((r) => r.seconds));
  const eb = median(embedded.ferry.map((r) => r.seconds));
  const ebRun = median(embedded.ferry.map((r) => r.runSeconds ?? r.seconds));
  const eRecords = embedded.ferry[0]!.records;
  printTable(`1. Initial sync on PGlite (embedded, one process), ${fmt(eRecords)} records, median of ${PGLITE_RUNS}`, [
    ["", "seconds", "records/s", "peak RSS MB"],
    [
      "a limit pipeline (Bulk CSV → COPY)",
      ea.toFixed(1),
      Math.round(embedded.limit[0]!.records / ea),
      Math.max(...embedded.limit.map((r) => r.peakMb)).toFixed(0),
    ],
    ["c careful peer", ec.toFixed(1), Math.round(embedded.careful[0]!.records / ec), Math.max(...embedded.careful.map((r) => r.peakMb)).toFixed(0)],
    ["b Ferry, job sent → run done", eb.toFixed(1), Math.round(eRecords / eb), Math.max(...embedded.ferry.map((r) => r.peakMb)).toFixed(0)],
    ["b Ferry, run start → done", ebRun.toFixed(1), Math.round(eRecords / ebRun), ""],
    ["Ferry ÷ careful peer (job sent → done / run only)", `${(eb / ec).toFixed(2)} / ${(ebRun / ec).toFixed(2)}`, "", ""],
    ["Ferry ÷ limit pipeline (job sent → done / run only)", `${(eb / ea).toFixed(2)} / ${(ebRun / ea).toFixed(2)}`, "", ""],
  ]);
  return { leads: PGLITE_LEADS, runs: PGLITE_RUNS, ...embedded, medianSeconds: { a: ea, c: ec, b: eb, bRun: ebRun }, ratio: eb / ea, ratioCareful: eb / ec };
}

// `--leads 0` or `--pglite-leads 0` skips that half.
const postgres = LEADS > 0 ? await postgresPart() : null;
const pglite = PGLITE_LEADS > 0 ? await pglitePart() : null;
await writeResult(LEADS > 0 ? "initial-sync" : "initial-sync-pglite", { leads: LEADS, runs: RUNS, postgres, pglite });
process.exit(0);
