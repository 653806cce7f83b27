import { createServer } from "node:http";
import next from "next";
import { attachRealtime, createEmitter, refreshUserRooms, type Realtime, type RealtimeEmitter } from "@ferry/realtime";
import { startWorker, type Worker } from "@ferry/jobs";
import { createJobHandlers, endpointFromSettings, startStreams } from "@ferry/sync";
import { readFileSync } from "node:fs";
import { pruneExpired } from "@ferry/services";
import { installSalesforceEgressGuard } from "@ferry/api";
import { DatabaseLockedError, DatabaseLoginError } from "@ferry/db";
import { EnvError } from "@ferry/observability";
import { loadEnv } from "./src/server/env";
import { createRuntime, type Runtime } from "./src/server/runtime";
import { createRequestHandler, securityHeaderSetter } from "./src/server/http";
import { seedDemo, type DemoCredentials } from "./src/server/demo-seed";
import { startDemoEmulator, type DemoEmulator } from "./src/server/demo-emulator";
import { salesforceSettings } from "./src/server/salesforce";
import { startSupportSweep } from "./src/server/support-access";
import { followAccessChanges, socketIdentity, socketIdentityFromHeaders } from "./src/server/socket-sessions";

const dev = process.argv.includes("--dev");

async function main() {
  const env = loadEnv();
  // The person who ran `pnpm start` sees what the first (slow) start is doing; production logs stay JSON.
  const step = env.embedded
    ? progress(2 + Number(env.worker === "inprocess") + Number(env.emulator) + Number(env.demo))
    : async <T>(_what: string, work: () => Promise<T>) => work();
  const runtime = await step("database: opening the embedded database, applying migrations", () => createRuntime(env));
  const { logger } = runtime;
  const app = next({ dev, dir: import.meta.dirname, hostname: "localhost", port: env.PORT });
  await step("pages: loading the Next.js build", () => app.prepare());

  const httpServer = createServer(createRequestHandler(runtime, app.getRequestHandler()));
  // Behind a load balancer the balancer must close an idle keep-alive connection first: with
  // Node's 5 s default the server can close one just as the balancer reuses it (a reset request).
  // 65 s outlasts the common 60 s balancer idle timeout.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const realtime = await attachRealtime(httpServer, {
    // socket.io's adapter keeps a table of its own (large payloads): platform infrastructure, the platform login.
    adapter: env.embedded ? { kind: "memory" } : { kind: "postgres", connectionString: env.DATABASE_PLATFORM_URL! },
    logger,
    allowedOrigins: env.allowedOrigins,
    // Sockets follow their session: see src/server/socket-sessions.ts.
    authenticate: ({ headers }) => socketIdentityFromHeaders(runtime, headers),
    revalidate: ({ userId, sessionId }) => socketIdentity(runtime, userId, sessionId),
  });
  // socket.io answers its own path before the request handler runs: its responses (the polling
  // transport's, its refusals) get the same security headers from a listener ahead of it.
  const setSecurityHeaders = securityHeaderSetter(runtime.env.publicUrl);
  httpServer.prependListener("request", (_req, res) => setSecurityHeaders(res));
  const stopFollowingAccess = await followAccessChanges(runtime, realtime);
  const emitter = createEmitter({ kind: "inprocess", io: realtime.io });
  runtime.events = emitter;
  runtime.refreshRooms = async (userId) => refreshUserRooms(realtime.io, userId, await runtime.visibleTenantIds(userId));
  const stopSupportSweep = startSupportSweep(runtime);

  const worker =
    env.worker === "inprocess" ? await step("worker: starting the sync worker in this process", () => startInProcessWorker(runtime, emitter)) : undefined;
  // Without an in-process worker this process still enqueues jobs (Start Salesforce Sync): a queue client with no handlers.
  const jobs = worker ?? (await startJobSender(runtime));
  const emulator = env.emulator
    ? await step("emulator: starting the Salesforce emulator and its demo org", () => startDemoEmulator(env.FERRY_EMULATOR_PORT))
    : undefined;
  runtime.salesforce = salesforceSettings(env, runtime.masterKey, emulator, (name, payload) => jobs.send(name, payload));
  installSalesforceEgressGuard(runtime.salesforce.hosts.trustedOrigins);
  // Near-real-time: the in-process worker holds the change streams of tenants that turned it on.
  // Orgs on the built-in emulator stream from its Pub/Sub server; the rest from FERRY_PUBSUB_ENDPOINT.
  const streams =
    worker && env.FERRY_NEAR_REAL_TIME === "on"
      ? startStreams({
          database: runtime.database,
          emitter,
          logger,
          masterKey: runtime.masterKey,
          leaseSeconds: env.STREAM_LEASE_SECONDS,
          endpoint: (() => {
            const configured = endpointFromSettings(env);
            const own = emulator?.handle.pubsubEndpoint
              ? {
                  address: emulator.handle.pubsubEndpoint,
                  ...(emulator.handle.pubsubCaFile ? { caPem: readFileSync(emulator.handle.pubsubCaFile, "utf8") } : { insecure: true }),
                }
              : undefined;
            return (instanceUrl: string) => (own && instanceUrl.replace(/\/$/, "") === emulator!.handle.url.replace(/\/$/, "") ? own : configured);
          })(),
        })
      : undefined;
  const demo = env.demo
    ? await step("demo: seeding the demo tenant and users", () => seedDemo({ db: runtime.database.platform, auth: runtime.auth, dataDir: env.dataDir }))
    : undefined;

  await new Promise<void>((resolve, reject) => {
    httpServer.once("error", reject);
    httpServer.listen(env.PORT, env.HOST, resolve);
  });
  printBanner(runtime, demo, emulator);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    stopSupportSweep();
    await streams?.stop().catch(() => {});
    await stopFollowingAccess().catch(() => {});
    await stopAll({ realtime, worker: jobs, emulator, runtime, app });
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown("SIGINT"));
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
}

async function startInProcessWorker(runtime: Runtime, emitter: RealtimeEmitter): Promise<Worker> {
  const { database, logger } = runtime;
  return startWorker({
    boss: database.kind === "pglite" ? { kind: "pglite", pglite: database.pglite! } : { kind: "postgres", connectionString: database.platformUrl! },
    handlers: createJobHandlers({
      database,
      emitter,
      logger,
      masterKey: runtime.masterKey,
      reconcileEverySeconds: runtime.env.SYNC_RECONCILE_EVERY_SECONDS,
      prune: async () => {
        const removed = await pruneExpired({ db: database.platform });
        logger.info({ removed }, "pruned expired data");
      },
    }),
    logger,
    heartbeatSeconds: runtime.env.WORKER_JOB_HEARTBEAT_SECONDS,
  });
}

function startJobSender(runtime: Runtime): Promise<Worker> {
  const { database, logger } = runtime;
  return startWorker({
    boss: database.kind === "pglite" ? { kind: "pglite", pglite: database.pglite! } : { kind: "postgres", connectionString: database.platformUrl! },
    handlers: {},
    logger,
    schedule: false,
    heartbeatSeconds: runtime.env.WORKER_JOB_HEARTBEAT_SECONDS,
  });
}

async function stopAll(parts: {
  realtime: Realtime;
  worker?: Worker | undefined;
  emulator?: DemoEmulator | undefined;
  runtime: Runtime;
  app: { close(): Promise<void> };
}) {
  await parts.realtime.close().catch(() => {});
  await parts.worker?.stop().catch(() => {});
  await parts.emulator?.stop().catch(() => {});
  await parts.app.close().catch(() => {});
  await parts.runtime.database.close();
}

/** Each boot step on one line with how long it took: `start [2/5] pages: … 0.4 s`. */
function progress(total: number) {
  let done = 0;
  return async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    done += 1;
    const started = performance.now();
    process.stdout.write(`start [${done}/${total}] ${what}…\n`);
    const result = await work();
    process.stdout.write(`start [${done}/${total}] ${what.split(":")[0]}: done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    return result;
  };
}

function printBanner(runtime: Runtime, demo: DemoCredentials | undefined, emulator: DemoEmulator | undefined) {
  const { env } = runtime;
  const lines = [
    "",
    `  Ferry is running at ${env.publicUrl}`,
    `  Database: ${env.embedded ? `embedded (PGlite) in ${env.dataDir}` : "Postgres (DATABASE_URL)"}`,
    `  Worker:   ${env.worker === "inprocess" ? "in this process" : "separate process (pnpm start:worker)"}`,
  ];
  if (demo) {
    lines.push(
      "",
      "  Demo sign-in",
      `    Admin of ${demo.tenantName}: ${demo.admin.email} / ${demo.admin.password}`,
      `    Support staff:            ${demo.staff.email} / ${demo.staff.password}`,
    );
  }
  if (emulator) lines.push("", ...emulator.describe().map((l) => `  ${l}`));
  lines.push("");
  // The banner is for the person who ran `pnpm start`; structured logs carry no passwords.
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error: unknown) => {
  if (error instanceof EnvError || error instanceof DatabaseLockedError || error instanceof DatabaseLoginError) {
    process.stderr.write(`\nFerry could not start:\n${error.message}\n\n`);
  } else {
    process.stderr.write(`\nFerry could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n\n`);
  }
  process.exit(1);
});
