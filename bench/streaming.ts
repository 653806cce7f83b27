/**
 * Near-real-time sync (issue 18): Ferry's change streams against the emulator's Pub/Sub API.
 *
 *   1. Lag, Salesforce commit → Ferry commit, p50/p95, at 100 and 1,000 events/s: Lead updates sent
 *      through the REST API (sObject Collections, one call per 100 ms), each a change event, applied
 *      by the StreamManager (the worker's) into Postgres.
 *   2. API calls per hour while idle with streaming on: the stream's own calls over an idle window,
 *      plus the hourly safety-net cycle (one idle incremental cycle's calls).
 *   3. RSS of N tenants' idle streams on one worker: a child process (`stream-child.ts`) bundled and
 *      started as production starts the worker (esbuild, minified, NODE_ENV=production,
 *      MALLOC_ARENA_MAX=2, the worker's node flags, its compile cache), running `runWorkerProcess`
 *      and a StreamManager with production's lease settings: RSS before the manager starts, once
 *      every stream is open and idle (after a GC), and the peak; the time to open them all. Every
 *      stream must be live in the worker and registered by the emulator's Pub/Sub server (each
 *      tenant its own jsforce session, one HTTP/2 channel).
 *
 *   tsx streaming.ts [--quick] [--seconds 60] [--tenants 1000] [--only lag|many] [--no-compile-cache]
 *                    [--later-idle-seconds 110]
 *
 *   --only many runs part 3 alone; --no-compile-cache starts the worker without a V8 compile cache
 *   (as bench/ferry.ts starts its worker); part 3 reads memory after 10 s idle and again
 *   --later-idle-seconds later (default 110, 20 with --quick; 0 skips it).
 */
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import jsforce from "jsforce";
import { createTenantFixture, createTestDatabase, runtimeUrlFor, type TestDatabase } from "@ferry/db/testing";
import { runIncrementalSync, runInitialSync, StreamManager, SYNC_OBJECTS } from "@ferry/sync";
import { rowsOf } from "@ferry/db";
import { here, machine, memoryOf, quick, spawnCompiled, startEmulatorProcess, TINY_OBJECTS, WORKER_NODE_FLAGS, writeResult, type EmulatorProcess } from "./lib";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg("seconds", quick ? 15 : 60);
const TENANTS = arg("tenants", quick ? 100 : 1_000);
const IDLE_SECONDS = quick ? 30 : 120;
const COMPILE_CACHE = !process.argv.includes("--no-compile-cache");
/** Part 3's second reading, this many seconds after the first (10 s idle); 0 skips it. */
const LATER_IDLE_SECONDS = arg("later-idle-seconds", quick ? 20 : 110);

type Emu = EmulatorProcess & { banner: string };

function pubsubOf(emu: Emu): { address: string; caPem: string } {
  const match = /Pub\/Sub API:\s+(\S+)\s+\(TLS, CA (\S+)\)/.exec(emu.banner);
  if (!match) throw new Error(`the emulator printed no Pub/Sub endpoint:\n${emu.banner}`);
  return { address: match[1]!, caPem: readFileSync(match[2]!, "utf8") };
}

async function login(emu: Emu) {
  const conn = new jsforce.Connection({ loginUrl: emu.url, version: "62.0" });
  await conn.login(emu.username, emu.password + emu.token);
  return conn;
}

const percentile = (values: number[], p: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function optIn(db: TestDatabase, tenantId: string, orgId: string, loginUrl: string) {
  await db.platform.execute(sql`
    INSERT INTO salesforce_connections (tenant_id, state, sync_enabled, near_real_time, org_id, login_url)
    VALUES (${tenantId}, 'syncing', true, true, ${orgId}, ${loginUrl})
    ON CONFLICT (tenant_id) DO UPDATE SET near_real_time = true, state = 'syncing', sync_enabled = true`);
}

/** Part 1 and 2 in this process: one tenant, its stream, a producer at `rate` events/s. */
async function lagAndIdle(emu: Emu) {
  const db = await createTestDatabase("postgres");
  try {
    const { tenantId } = await createTenantFixture(db);
    const conn = await login(emu);
    const orgId = (await conn.identity()).organization_id;
    await optIn(db, tenantId, orgId, emu.url);
    await runInitialSync({ database: db, tenantId, runId: "initial", conn });
    const lags: number[] = [];
    const batches: { events: number; readMs: number; writeMs: number }[] = [];
    let applied = 0;
    let recording = false;
    const pubsub = pubsubOf(emu);
    let calls = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      if (url.startsWith(emu.url)) calls++;
      return realFetch(input, init);
    };
    const manager = new StreamManager({
      database: db,
      openConnection: () => login(emu),
      endpoint: () => pubsub,
      workerId: "bench",
      leaseTtlMs: 30_000,
      onApplied: (_t, batch) => {
        applied += batch.events;
        if (recording) {
          lags.push(...batch.lags);
          batches.push({ events: batch.events, readMs: batch.readMs, writeMs: batch.writeMs });
        }
      },
    });
    manager.start();
    const deadline = Date.now() + 60_000;
    while (manager.stream(tenantId)?.state !== "live") {
      if (Date.now() > deadline) throw new Error("the stream did not go live");
      await new Promise((r) => setTimeout(r, 100));
    }
    const ids = (await conn.query<{ Id: string }>("SELECT Id FROM Lead WHERE IsConverted = false LIMIT 2000")).records.map((r) => r.Id);
    const results: Record<string, unknown> = {};
    for (const rate of [100, 1_000]) {
      lags.length = 0;
      batches.length = 0;
      applied = 0;
      recording = true;
      const perTick = rate / 10;
      const started = Date.now();
      const rssBefore = process.memoryUsage().rss;
      let peakRss = rssBefore;
      let sent = 0;
      let k = 0;
      for (let tick = 0; tick < SECONDS * 10; tick++) {
        const records = Array.from({ length: perTick }, () => ({
          attributes: { type: "Lead" },
          id: ids[k++ % ids.length]!,
          Title: `bench ${rate} ${tick} ${k}`,
        }));
        // Sent without waiting for the last answer, so the producer keeps its rate while Ferry applies.
        void realFetch(`${conn.instanceUrl}/services/data/v62.0/composite/sobjects`, {
          method: "PATCH",
          headers: { authorization: `Bearer ${conn.accessToken}`, "content-type": "application/json" },
          body: JSON.stringify({ allOrNone: false, records }),
        }).then((r) => r.arrayBuffer());
        sent += records.length;
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        const next = started + (tick + 1) * 100;
        await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
      }
      const drainDeadline = Date.now() + 180_000;
      while (applied < sent && Date.now() < drainDeadline) {
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
        await new Promise((r) => setTimeout(r, 100));
      }
      recording = false;
      const figures = {
        eventsSent: sent,
        eventsApplied: applied,
        seconds: SECONDS,
        drainedAfterMs: Date.now() - started - SECONDS * 1000,
        lagP50Ms: percentile(lags, 50),
        lagP95Ms: percentile(lags, 95),
        lagMaxMs: percentile(lags, 100),
        benchRssGrowthMb: Math.round((peakRss - rssBefore) / 1e5) / 10,
        batches: batches.length,
        eventsPerBatch: Math.round(applied / Math.max(1, batches.length)),
        readMsPerBatch: Math.round(batches.reduce((n, b) => n + b.readMs, 0) / Math.max(1, batches.length)),
        writeMsPerBatch: Math.round(batches.reduce((n, b) => n + b.writeMs, 0) / Math.max(1, batches.length)),
      };
      results[`rate${rate}`] = figures;
      console.log(
        `lag at ${rate} events/s for ${SECONDS} s: p50 ${figures.lagP50Ms} ms, p95 ${figures.lagP95Ms} ms, max ${figures.lagMaxMs} ms (${applied}/${sent} applied; drained ${figures.drainedAfterMs} ms after the last write; RSS +${figures.benchRssGrowthMb} MB; ${figures.batches} batches of ${figures.eventsPerBatch} events, read ${figures.readMsPerBatch} ms + write ${figures.writeMsPerBatch} ms each)`,
      );
    }
    // Idle: nothing changes; only keepalives arrive over the stream.
    await new Promise((r) => setTimeout(r, 2_000));
    calls = 0;
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const streamCallsPerHour = Math.round((calls * 3600) / IDLE_SECONDS);
    await manager.stop();
    globalThis.fetch = realFetch;
    const advanceOrgClock = async (seconds: number) => {
      const advanced = await fetch(`${emu.url}/__emulator/clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seconds }),
      });
      if (!advanced.ok) throw new Error(`the emulator's clock did not move: ${advanced.status}`);
    };
    // Change windows have minute granularity: a cycle lists again the changes of the minute still
    // open when the one before ran. The cycle before the measured one therefore runs once the
    // minute of the last writes has closed (the quick size's idle window is shorter than a minute),
    // and the measured safety-net cycle an hour of the org's clock after it, as scheduled.
    await advanceOrgClock(120);
    await runIncrementalSync({ database: db, tenantId, runId: "safety-a", conn });
    await advanceOrgClock(3600);
    await runIncrementalSync({ database: db, tenantId, runId: "safety", conn });
    const [cycle] = rowsOf(await db.platform.execute(sql`SELECT api_calls FROM sync_runs WHERE tenant_id = ${tenantId} AND id = 'safety'`));
    const cycleCalls = Number(cycle?.api_calls ?? 0);
    results.idle = {
      idleSeconds: IDLE_SECONDS,
      streamCalls: calls,
      streamCallsPerHour,
      safetyNetCycleCalls: cycleCalls,
      callsPerHour: streamCallsPerHour + cycleCalls,
    };
    console.log(
      `idle with streaming on: ${calls} calls by the stream in ${IDLE_SECONDS} s (${streamCallsPerHour}/h) + the hourly safety-net cycle's ${cycleCalls} = ${streamCallsPerHour + cycleCalls} API calls per hour`,
    );
    return results;
  } finally {
    await db.drop();
  }
}

/** Part 3: N opted-in tenants on one org; a compiled worker (`stream-child.ts`) holds all their streams. */
async function manyIdleStreams(emu: Emu) {
  const db = await createTestDatabase("postgres");
  try {
    const conn = await login(emu);
    const orgId = (await conn.identity()).organization_id;
    await db.platform.execute(
      sql`INSERT INTO tenants (id, name, slug) SELECT 'bench_' || g, 'Bench ' || g, 'bench-' || g FROM generate_series(1, ${TENANTS}) g`,
    );
    await db.platform.execute(sql`
      INSERT INTO salesforce_connections (tenant_id, state, sync_enabled, near_real_time, org_id, login_url)
      SELECT 'bench_' || g, 'syncing', true, true, ${orgId}, ${emu.url} FROM generate_series(1, ${TENANTS}) g`);
    await db.platform.execute(sql`
      INSERT INTO sync_checkpoints (tenant_id, object, mode, initial_done_at)
      SELECT 'bench_' || g, o, 'incremental', now() FROM generate_series(1, ${TENANTS}) g, unnest(${sql.raw(`ARRAY[${SYNC_OBJECTS.map((o) => `'${o}'`).join(",")}]`)}::text[]) o`);
    const pubsub = pubsubOf(emu);
    const childEnv = {
      DATABASE_URL: runtimeUrlFor(db.platformUrl!),
      DATABASE_PLATFORM_URL: db.platformUrl!,
      LOG_LEVEL: "warn",
      BENCH_EMU_URL: emu.url,
      BENCH_EMU_USER: emu.username,
      BENCH_EMU_PASSWORD: emu.password + emu.token,
      BENCH_PUBSUB: pubsub.address,
      BENCH_PUBSUB_CA: pubsub.caPem,
      BENCH_TENANTS: String(TENANTS),
      BENCH_LATER_IDLE_SECONDS: String(LATER_IDLE_SECONDS),
      // The compile cache beside the bundle, as scripts/launch.mjs keeps the worker's: written by a
      // first start that stops after loading (as `pnpm build` does), read by the measured one.
      ...(COMPILE_CACHE ? { NODE_COMPILE_CACHE: join(here, "dist", "compile-cache-stream-child") } : {}),
    };
    // The worker's node flags, and --expose-gc so the child can collect garbage before each reading
    // (RSS then counts what is held, not what is waiting to be collected).
    const flags = [...WORKER_NODE_FLAGS, "--expose-gc"];
    if (COMPILE_CACHE) {
      rmSync(childEnv.NODE_COMPILE_CACHE!, { recursive: true, force: true });
      const warm = await spawnCompiled("stream-child.ts", { ...childEnv, FERRY_WARM_UP: "compile-cache" }, undefined, flags);
      await new Promise((resolve) => warm.once("exit", resolve));
    }
    let result: Record<string, unknown> = {};
    let loadAtReading: number[] = [];
    const child = await spawnCompiled(
      "stream-child.ts",
      childEnv,
      (line) => {
        if (line.startsWith("BENCH_STREAMS ")) {
          result = JSON.parse(line.slice("BENCH_STREAMS ".length)) as Record<string, unknown>;
          loadAtReading = machine().loadAverage;
        } else if (line.trim()) console.log(`  [worker] ${line}`);
      },
      flags,
    );
    // The peak over the child's whole life, sampled from outside as well (its own VmHWM is read at the idle reading).
    let peakOutsideMb = 0;
    const sampler = setInterval(() => {
      const m = memoryOf(child.pid!);
      if (m) peakOutsideMb = Math.max(peakOutsideMb, m.peakMb);
    }, 100);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    clearInterval(sampler);
    if (code !== 0 || result.streams === undefined) throw new Error(`the streams' worker exited with ${code} before reporting`);
    const later = result.later as { idleSeconds: number; live: number; rssMb: number; peakMb: number; heapUsedMb: number; heapTotalMb: number } | null;
    if (result.live !== TENANTS || result.emulatorStreams !== TENANTS || (later && later.live !== TENANTS)) {
      throw new Error(`not every stream was open: ${result.live} live in the worker, ${result.emulatorStreams} registered by the emulator, of ${TENANTS}`);
    }
    const heap = (r: Record<string, unknown>, key: "before" | "idle") => r[key] as { heapUsedMb: number; heapTotalMb: number; externalMb: number };
    console.log(
      `  V8 heap used ${heap(result, "before").heapUsedMb} → ${heap(result, "idle").heapUsedMb} MB (heap total ${heap(result, "before").heapTotalMb} → ${heap(result, "idle").heapTotalMb} MB), external ${heap(result, "before").externalMb} → ${heap(result, "idle").externalMb} MB`,
    );
    if (later) {
      console.log(
        `  after ${later.idleSeconds} s idle: RSS ${later.rssMb} MB, ${later.live} live, V8 heap used ${later.heapUsedMb} MB of ${later.heapTotalMb} MB; peak ${later.peakMb} MB`,
      );
    }
    console.log(
      `${TENANTS} tenants' idle streams on one compiled worker (${COMPILE_CACHE ? "with" : "without"} its compile cache): RSS ${result.rssBeforeMb} MB before the streams, ${result.rssStreamingMb} MB with ${result.live} live (${result.emulatorStreams} registered by the emulator; +${result.growthMb} MB, ${result.perStreamKb} KB a stream), peak ${result.peakMb} MB (${Math.round(peakOutsideMb * 10) / 10} MB over its whole life); ${result.openedInMs} ms to open them all; load at the reading ${loadAtReading.join(" ")}`,
    );
    return { tenants: TENANTS, ...result, peakOverLifeMb: Math.round(peakOutsideMb * 10) / 10, loadAtReading };
  } finally {
    await db.drop();
  }
}

const m = machine();
console.log(`streaming: ${m.cpus} × ${m.cpuModel}, load average ${m.loadAverage.join(" ")}`);
const emu = (await startEmulatorProcess(
  { ...TINY_OBJECTS, Lead: 2_000 },
  { args: ["--pubsub", "--pubsub-port", "0", "--pubsub-keepalive-ms", "1000", "--cdc", SYNC_OBJECTS.join(",")] },
)) as Emu;
try {
  // --only lag|many runs one part.
  const only = process.argv.includes("--only") ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
  const lag = only && only !== "lag" ? undefined : await lagAndIdle(emu);
  const many = only && only !== "many" ? undefined : await manyIdleStreams(emu);
  await writeResult("streaming", { lag, many, loadAverage: machine().loadAverage });
  console.log(`load average now ${machine().loadAverage.join(" ")}`);
} finally {
  await emu.stop();
}
process.exit(0);
