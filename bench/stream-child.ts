/**
 * The worker side of `streaming.ts` part 3, bundled and started as production starts the worker
 * (`spawnCompiled`: esbuild, minified, plain node, NODE_ENV=production, MALLOC_ARENA_MAX=2, the
 * worker's node flags): `runWorkerProcess` exactly as `pnpm start:worker` runs it (env, migrations,
 * pg-boss tenant queue, Postgres emitter), without job handlers, plus the `StreamManager` that
 * `startStreams` would start in it, with production's lease settings. The one difference, as in
 * `worker-child.ts`: each tenant's connection is a jsforce login with bench credentials instead of
 * sealed secrets. Opens every opted-in tenant's stream, waits until all are live and idle, then
 * prints its memory and the count of streams the emulator registered as one JSON line.
 */
import { readFileSync } from "node:fs";
import jsforce from "jsforce";
import { StreamManager, type WorkerDependencies } from "@ferry/sync";
import { runWorkerProcess } from "@ferry/worker/process";

// Started once this way (as `pnpm build` starts the worker's bundle) so V8's compile cache is written
// before the measured start reads it; nothing is started.
if (process.env.FERRY_WARM_UP === "compile-cache") process.exit(0);

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];

const env = process.env;
const n = Number(env.BENCH_TENANTS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RSS (VmRSS) and its peak so far (VmHWM) of this process, and V8's share of it, in MB. */
function memory() {
  const status = readFileSync("/proc/self/status", "utf8");
  const kb = (key: string) => Math.round(Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 102.4) / 10;
  const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
  const v8 = process.memoryUsage();
  return {
    rssMb: kb("VmRSS"),
    peakMb: kb("VmHWM"),
    heapUsedMb: mb(v8.heapUsed),
    heapTotalMb: mb(v8.heapTotal),
    externalMb: mb(v8.external),
    arrayBuffersMb: mb(v8.arrayBuffers),
  };
}

/** The collector run (the bench passes --expose-gc), then a second for the allocator to settle. */
async function settle() {
  global.gc?.();
  await sleep(1_000);
}

let dependencies: WorkerDependencies | undefined;
const running = await runWorkerProcess({
  createHandlers: (deps) => {
    dependencies = deps;
    return {};
  },
});
const { database, emitter, logger } = dependencies!;
await settle();
const before = memory();
const started = Date.now();
const manager = new StreamManager({
  database,
  emitter,
  logger,
  openConnection: async () => {
    const conn = new jsforce.Connection({ loginUrl: env.BENCH_EMU_URL!, version: "62.0" });
    await conn.login(env.BENCH_EMU_USER!, env.BENCH_EMU_PASSWORD!);
    return conn;
  },
  endpoint: () => ({ address: env.BENCH_PUBSUB!, caPem: env.BENCH_PUBSUB_CA! }),
  workerId: "bench-many",
});
manager.start();
const live = () => {
  let open = 0;
  for (let g = 1; g <= n; g++) if (manager.stream(`bench_${g}`)?.state === "live") open++;
  return open;
};
const deadline = Date.now() + 15 * 60_000;
for (;;) {
  const open = live();
  if (open === n) break;
  if (Date.now() > deadline) throw new Error(`only ${open} of ${n} streams opened`);
  await sleep(250);
}
const openedInMs = Date.now() - started;
// Idle for 10 s (keepalives flow, leases renew), then measure.
await sleep(10_000);
await settle();
const idle = memory();
const liveAtReading = live();
// A second reading after a longer idle, when V8's memory reducer has had time to give back the heap
// the opening burst grew (the first reading's GC frees the objects, not the pages V8 keeps).
const laterSeconds = Number(env.BENCH_LATER_IDLE_SECONDS ?? 0);
let later: ReturnType<typeof memory> | undefined;
if (laterSeconds > 0) {
  await sleep(laterSeconds * 1000);
  await settle();
  later = memory();
}
const liveLater = live();
// What the emulator's Pub/Sub server holds: the streams are real subscriptions, every one open.
const cdc = (await (await fetch(`${env.BENCH_EMU_URL}/__emulator/cdc`)).json()) as { pubsub: { streams: number } | null };
// Prefixed: the worker's own log lines are JSON too.
console.log(
  `BENCH_STREAMS ${JSON.stringify({
    streams: manager.size,
    live: liveAtReading,
    emulatorStreams: cdc.pubsub?.streams ?? null,
    channels: manager.channels.size,
    rssBeforeMb: before.rssMb,
    rssStreamingMb: idle.rssMb,
    peakMb: idle.peakMb,
    growthMb: Math.round((idle.rssMb - before.rssMb) * 10) / 10,
    perStreamKb: Math.round(((idle.rssMb - before.rssMb) * 1024) / n),
    openedInMs,
    // V8's heap and memory outside it at both readings: where the growth lies.
    before: { heapUsedMb: before.heapUsedMb, heapTotalMb: before.heapTotalMb, externalMb: before.externalMb, arrayBuffersMb: before.arrayBuffersMb },
    idle: { heapUsedMb: idle.heapUsedMb, heapTotalMb: idle.heapTotalMb, externalMb: idle.externalMb, arrayBuffersMb: idle.arrayBuffersMb },
    later: later
      ? {
          idleSeconds: 10 + laterSeconds,
          live: liveLater,
          rssMb: later.rssMb,
          peakMb: later.peakMb,
          heapUsedMb: later.heapUsedMb,
          heapTotalMb: later.heapTotalMb,
          externalMb: later.externalMb,
        }
      : null,
    node: process.version,
    nodeEnv: env.NODE_ENV ?? null,
    mallocArenaMax: env.MALLOC_ARENA_MAX ?? null,
    execArgv: process.execArgv,
    compileCache: env.NODE_COMPILE_CACHE ? true : false,
  })}`,
);
await manager.stop();
await running.stop();
process.exit(0);
