/**
 * Near-real-time sync (issue 18): Ferry's change streams against the emulator's Pub/Sub API.
 *
 *   1. Lag, Salesforce commit → Ferry commit, p50/p95, at 100 and 1,000 events/s: Lead updates sent
 *      through the REST API (sObject Collections, one call per 100 ms), each a change event, applied
 *      by the StreamManager (the worker's) into Postgres.
 *   2. API calls per hour while idle with streaming on: the stream's own calls over an idle window,
 *      plus the hourly safety-net cycle (one idle incremental cycle's calls).
 *   3. RSS of N tenants' idle streams on one worker (a child process): before the manager starts,
 *      and once every stream is open (each tenant its own jsforce session, one HTTP/2 channel).
 *
 *   tsx streaming.ts [--quick] [--seconds 60] [--tenants 1000] [--only lag|many]
 */
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import jsforce from "jsforce";
import { createTenantFixture, createTestDatabase, runtimeUrlFor, type TestDatabase } from "@ferry/db/testing";
import { openDatabase } from "@ferry/db";
import { runIncrementalSync, runInitialSync, StreamManager, SYNC_OBJECTS } from "@ferry/sync";
import { rowsOf } from "@ferry/db";
import { machine, memoryOf, quick, spawnTs, startEmulatorProcess, TINY_OBJECTS, writeResult, type EmulatorProcess } from "./lib";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const SECONDS = arg("seconds", quick ? 15 : 60);
const TENANTS = arg("tenants", quick ? 100 : 1_000);
const IDLE_SECONDS = quick ? 30 : 120;

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
    await runIncrementalSync({ database: db, tenantId, runId: "safety-a", conn });
    // The safety net runs hourly: the next cycle comes an hour of the org's clock later (change
    // windows have minute granularity, so one run at once would re-list the last minute's changes).
    const advanced = await fetch(`${emu.url}/__emulator/clock`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ seconds: 3600 }),
    });
    if (!advanced.ok) throw new Error(`the emulator's clock did not move: ${advanced.status}`);
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

/** Part 3: N opted-in tenants on one org; a child process holds all their streams. */
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
    let result: Record<string, number> = {};
    const child = spawnTs(
      "streaming.ts",
      {
        BENCH_STREAM_CHILD: "1",
        // So the child can collect garbage before each reading: RSS then counts what the streams hold.
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --expose-gc`.trim(),
        BENCH_DB_URL: runtimeUrlFor(db.platformUrl!),
        BENCH_DB_PLATFORM_URL: db.platformUrl!,
        BENCH_EMU_URL: emu.url,
        BENCH_EMU_USER: emu.username,
        BENCH_EMU_PASSWORD: emu.password + emu.token,
        BENCH_PUBSUB: pubsub.address,
        BENCH_PUBSUB_CA: pubsub.caPem,
        BENCH_TENANTS: String(TENANTS),
      },
      (line) => {
        if (line.startsWith("{")) result = JSON.parse(line) as Record<string, number>;
        else console.log(`  [worker] ${line}`);
      },
    );
    await new Promise((resolve) => child.once("exit", resolve));
    console.log(
      `${TENANTS} tenants' idle streams on one worker: RSS ${result.rssBeforeMb} MB before, ${result.rssStreamingMb} MB with ${result.streams} streams open (+${result.growthMb} MB, ${result.perStreamKb} KB a stream; ${result.openedInMs} ms to open them all)`,
    );
    return { tenants: TENANTS, ...result };
  } finally {
    await db.drop();
  }
}

/** The worker side of part 3: opens every stream, then reports its memory. */
async function child() {
  const env = process.env;
  const database = await openDatabase({ url: env.BENCH_DB_URL!, platformUrl: env.BENCH_DB_PLATFORM_URL!, maxConnections: 10 });
  const n = Number(env.BENCH_TENANTS);
  const mb = () => Math.round(memoryOf(process.pid)!.rssMb * 10) / 10;
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1_000));
  const rssBeforeMb = mb();
  const started = Date.now();
  const manager = new StreamManager({
    database,
    openConnection: async () => {
      const conn = new jsforce.Connection({ loginUrl: env.BENCH_EMU_URL!, version: "62.0" });
      await conn.login(env.BENCH_EMU_USER!, env.BENCH_EMU_PASSWORD!);
      return conn;
    },
    endpoint: () => ({ address: env.BENCH_PUBSUB!, caPem: env.BENCH_PUBSUB_CA! }),
    workerId: "bench-many",
    leaseTtlMs: 120_000,
    heartbeatMs: 5_000,
    maxStreams: n,
  });
  manager.start();
  const deadline = Date.now() + 15 * 60_000;
  for (;;) {
    let open = 0;
    for (let g = 1; g <= n; g++) if (manager.stream(`bench_${g}`)?.state === "live") open++;
    if (open === n) break;
    if (Date.now() > deadline) throw new Error(`only ${open} of ${n} streams opened`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const openedInMs = Date.now() - started;
  // Idle for a while (keepalives flow), then measure.
  await new Promise((r) => setTimeout(r, 10_000));
  global.gc?.();
  await new Promise((r) => setTimeout(r, 1_000));
  const rssStreamingMb = mb();
  console.log(
    JSON.stringify({
      streams: manager.size,
      rssBeforeMb,
      rssStreamingMb,
      growthMb: Math.round((rssStreamingMb - rssBeforeMb) * 10) / 10,
      perStreamKb: Math.round(((rssStreamingMb - rssBeforeMb) * 1024) / n),
      openedInMs,
      channels: manager.channels.size,
    }),
  );
  await manager.stop();
  await database.close();
  process.exit(0);
}

if (process.env.BENCH_STREAM_CHILD) {
  await child();
} else {
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
}
