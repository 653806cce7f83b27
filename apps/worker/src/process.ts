import { assertDatabaseLogins, migrate, openDatabase } from "@ferry/db";
import { createLogger, databaseLoginProblems, EnvError, parseEnv } from "@ferry/observability";
import { createEmitter } from "@ferry/realtime";
import { z } from "zod";
import { endpointFromSettings, startStreams, streamEnvShape, type WorkerDependencies } from "@ferry/sync";
import { jobHeartbeatSecondsSetting, reconcileEverySecondsSetting, startWorker, type HandlerMap } from "@ferry/jobs";

export const workerEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/)
    .describe(
      "a postgres:// URL of the unprivileged runtime login; the standalone worker runs only against Postgres (embedded mode runs it inside the web process)",
    ),
  DATABASE_PLATFORM_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/)
    .describe("a postgres:// URL of the privileged login that owns the schema (migrations, the scheduler, pruning, pg-boss)"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10).describe("an integer from 1 to 200: connections to Postgres for the sync work"),
  LOG_LEVEL: z
    .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
    .default("info")
    .describe("one of fatal, error, warn, info, debug, trace, silent"),
  WORKER_TENANT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4).describe("an integer from 1 to 64"),
  FERRY_MASTER_KEY: z
    .string()
    .min(43)
    .optional()
    .describe("32 random bytes in base64 (the key that sealed the stored Salesforce credentials); without it this worker runs no sync jobs"),
  WORKER_STOP_TIMEOUT_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000).describe("milliseconds from 1000 to 600000"),
  WORKER_JOB_HEARTBEAT_SECONDS: jobHeartbeatSecondsSetting,
  SYNC_RECONCILE_EVERY_SECONDS: reconcileEverySecondsSetting,
  WORKER_SUPERVISE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(600)
    .default(60)
    .describe("seconds from 1 to 600 between checks for lapsed heartbeats and expired jobs"),
  ...streamEnvShape,
});

export interface RunWorkerProcessOptions {
  env?: Record<string, string | undefined>;
  createHandlers: (dependencies: WorkerDependencies) => Partial<HandlerMap>;
}

/** The standalone worker: validated env, migrated database, live-event emitter through Postgres. */
export async function runWorkerProcess({ env = process.env, createHandlers }: RunWorkerProcessOptions) {
  const config = parseEnv(workerEnvSchema, env);
  const loginProblems = databaseLoginProblems(config);
  if (loginProblems.length > 0) throw new EnvError(loginProblems);
  const logger = createLogger({ name: "worker", level: config.LOG_LEVEL });
  const database = await openDatabase({ url: config.DATABASE_URL, platformUrl: config.DATABASE_PLATFORM_URL, maxConnections: config.DATABASE_POOL_SIZE });
  const emitter = createEmitter({ kind: "postgres", connectionString: config.DATABASE_PLATFORM_URL });
  try {
    // Migrations take an advisory lock, so web and worker booting together is safe.
    await migrate(database);
    await assertDatabaseLogins(database);
    const worker = await startWorker({
      boss: { kind: "postgres", connectionString: config.DATABASE_PLATFORM_URL },
      handlers: createHandlers({
        database,
        emitter,
        logger,
        reconcileEverySeconds: config.SYNC_RECONCILE_EVERY_SECONDS,
        ...(config.FERRY_MASTER_KEY ? { masterKey: config.FERRY_MASTER_KEY } : {}),
      }),
      logger,
      tenantConcurrency: config.WORKER_TENANT_CONCURRENCY,
      stopTimeoutMs: config.WORKER_STOP_TIMEOUT_MS,
      heartbeatSeconds: config.WORKER_JOB_HEARTBEAT_SECONDS,
      superviseIntervalSeconds: config.WORKER_SUPERVISE_SECONDS,
    });
    // Near-real-time: this worker holds its share of the opted-in tenants' change streams.
    const streams =
      config.FERRY_MASTER_KEY && config.FERRY_NEAR_REAL_TIME === "on"
        ? startStreams({
            database,
            emitter,
            logger,
            masterKey: config.FERRY_MASTER_KEY,
            endpoint: endpointFromSettings(config),
            leaseSeconds: config.STREAM_LEASE_SECONDS,
          })
        : undefined;
    let stopping: Promise<void> | undefined;
    return {
      worker,
      logger,
      streams,
      stop() {
        stopping ??= (async () => {
          await streams?.stop();
          await worker.stop();
          await emitter.close();
          await database.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    await emitter.close();
    await database.close();
    throw error;
  }
}
