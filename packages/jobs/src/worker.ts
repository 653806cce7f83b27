import { performance } from "node:perf_hooks";
import type { PGlite } from "@electric-sql/pglite";
import { recordJob, type Logger } from "@ferry/observability";
import { PgBoss, fromPglite, type JobWithMetadata, type SendOptions } from "pg-boss";
import {
  TENANT_QUEUE,
  globalJobNames,
  jobCatalog,
  parseJobPayload,
  tenantJobNames,
  type GlobalJobName,
  type JobInput,
  type JobName,
  type JobPayload,
  type TenantJobName,
} from "./catalog";

export type BossConnection = { kind: "pglite"; pglite: PGlite } | { kind: "postgres"; connectionString: string };

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt, then 1, 2, … on retries. */
  attempt: number;
  /** Retries this job has (its own, as sent); the attempt equal to it is the last. */
  retryLimit: number;
  /** Aborted when the worker loses the job (expiry, missed heartbeat) or stops past its grace period. */
  signal: AbortSignal;
  logger: Logger;
  /** Enqueues a follow-up job (a sync run that yields its slot or waits for the API budget re-queues itself). */
  send: Worker["send"];
}

export type JobHandler<N extends JobName> = (payload: JobPayload<N>, context: JobContext) => Promise<void>;
export type HandlerMap = { [N in JobName]: JobHandler<N> };

export interface StartWorkerOptions {
  boss: BossConnection;
  /** Only jobs with a handler here are worked by this process; sync handlers come from a later issue. */
  handlers: Partial<HandlerMap>;
  logger: Logger;
  /** Run the cron that sends scheduled jobs (maintenance.prune hourly). Default true. */
  schedule?: boolean;
  /** Tenant jobs run at once in this process (each for a different tenant). Default 4. */
  tenantConcurrency?: number;
  /** Seconds between polls for new jobs. Default 2 (pg-boss minimum 0.5). */
  pollingIntervalSeconds?: number;
  /** How long stop() lets running jobs finish before failing them back to the queue. Default 30 s. */
  stopTimeoutMs?: number;
  /**
   * Heartbeat of the jobs this process sends, in place of the catalog's (60 s; pg-boss's minimum is
   * 10): a job whose worker stops beating this long (killed, hung) is failed and retried.
   */
  heartbeatSeconds?: number;
  /** How often this process's pg-boss supervisor looks for expired jobs and lapsed heartbeats. Default 60 s. */
  superviseIntervalSeconds?: number;
}

export interface SendJobOptions {
  startAfter?: Date | number;
}

export interface Worker {
  /** Validates and enqueues a job; returns its id, or null when a queue policy declined a duplicate. */
  send<N extends JobName>(name: N, payload: JobInput<N>, options?: SendJobOptions): Promise<string | null>;
  /** Stops fetching, waits for running jobs (up to stopTimeoutMs), then stops pg-boss. */
  stop(): Promise<void>;
  readonly boss: PgBoss;
}

/** What a tenant-queue job carries: the catalog name and its validated payload. */
interface TenantEnvelope {
  job: TenantJobName;
  payload: unknown;
}

const SCHEMA = "pgboss";

export async function startWorker(options: StartWorkerOptions): Promise<Worker> {
  const { handlers, logger, schedule = true, stopTimeoutMs = 30_000, heartbeatSeconds, superviseIntervalSeconds } = options;
  // The supervisor's pass needs both timers (supervise, then each queue's monitor), so both follow the setting.
  const supervise = superviseIntervalSeconds ? { superviseIntervalSeconds, monitorIntervalSeconds: superviseIntervalSeconds } : {};
  // LISTEN/NOTIFY: a tenant job sent by any process wakes the workers at once instead of at their
  // next poll (up to 2 s later, most of a small sync's wall time); polling stays as the backstop.
  // A process that only sends (the web with FERRY_WORKER=off) holds no listening connection.
  const useListenNotify = Object.values(handlers).some(Boolean);
  const boss =
    options.boss.kind === "pglite"
      ? new PgBoss({ db: fromPglite(options.boss.pglite), backend: "pglite", schema: SCHEMA, schedule, useListenNotify, ...supervise })
      : new PgBoss({
          connectionString: options.boss.connectionString,
          schema: SCHEMA,
          schedule,
          max: 4,
          application_name: "ferry-worker",
          useListenNotify,
          ...supervise,
        });
  boss.on("error", (error) => logger.error({ err: error }, "pg-boss error"));
  boss.on("warning", (warning) => logger.warn({ warning: warning.data }, warning.message));
  await boss.start();
  const send: Worker["send"] = async (name, payload, sendOptions = {}) => {
    const data = parseJobPayload(name, payload);
    const { retryLimit, retryDelay, retryBackoff, expireInSeconds } = jobCatalog[name];
    const options: SendOptions = { retryLimit, retryDelay, retryBackoff, expireInSeconds };
    const definition = jobCatalog[name] as (typeof jobCatalog)[JobName];
    if ("retryDelayMax" in definition && definition.retryDelayMax) options.retryDelayMax = definition.retryDelayMax;
    if ("heartbeatSeconds" in definition && definition.heartbeatSeconds) options.heartbeatSeconds = heartbeatSeconds ?? definition.heartbeatSeconds;
    if (sendOptions.startAfter !== undefined) options.startAfter = sendOptions.startAfter;
    if (isTenantJob(name)) {
      const envelope: TenantEnvelope = { job: name, payload: data };
      return boss.send(TENANT_QUEUE, envelope, { ...options, singletonKey: (data as { tenantId: string }).tenantId });
    }
    return boss.send(name, data as object, options);
  };
  try {
    await registerQueues(boss, options, send);
  } catch (error) {
    await boss.stop({ graceful: false, close: true }).catch(() => undefined);
    throw error;
  }
  logger.info({ backend: options.boss.kind, handlers: Object.keys(handlers) }, "worker started");

  let stopping: Promise<void> | undefined;
  return {
    boss,
    send,
    stop() {
      stopping ??= (async () => {
        logger.info({ timeoutMs: stopTimeoutMs }, "worker stopping");
        await boss.stop({ graceful: true, timeout: stopTimeoutMs, close: true });
        logger.info("worker stopped");
      })();
      return stopping;
    },
  };
}

async function registerQueues(boss: PgBoss, options: StartWorkerOptions, send: Worker["send"]): Promise<void> {
  const { handlers, logger, schedule = true, tenantConcurrency = 4, pollingIntervalSeconds = 2 } = options;
  await boss.createQueue(TENANT_QUEUE, { policy: "singleton", notify: true });
  // A queue created before it notified keeps its row (createQueue leaves an existing queue alone).
  await boss.updateQueue(TENANT_QUEUE, { notify: true });
  for (const name of globalJobNames) {
    const { retryLimit, retryDelay, retryBackoff, expireInSeconds } = jobCatalog[name];
    // stately: at most one waiting and one running, so a slow prune never piles up hourly copies.
    await boss.createQueue(name, { policy: "stately", retryLimit, retryDelay, retryBackoff, expireInSeconds });
  }

  const run = async <N extends JobName>(name: N, job: JobWithMetadata<unknown>, payload: unknown) => {
    const handler = handlers[name] as JobHandler<N> | undefined;
    const jobLogger = logger.child({ job: name, jobId: job.id, attempt: job.retryCount, ...tenantOf(payload) });
    const started = performance.now();
    try {
      if (!handler) throw new Error(`no handler for "${name}" is registered in this worker`);
      await handler(parseJobPayload(name, payload), {
        jobId: job.id,
        attempt: job.retryCount,
        retryLimit: job.retryLimit,
        signal: job.signal,
        logger: jobLogger,
        send,
      });
      recordJob(name, "completed", (performance.now() - started) / 1000);
    } catch (error) {
      const willRetry = job.retryCount < job.retryLimit;
      recordJob(name, willRetry ? "retried" : "failed", (performance.now() - started) / 1000);
      jobLogger.error({ err: error, willRetry }, "job failed");
      throw error;
    }
  };

  // With metadata: a handler learns the job's own retry limit, so its last attempt can say the run failed.
  // The backstop poll stays as frequent while notifications flow: a delayed job (a retry, a resume
  // after the API cap) becomes runnable without any NOTIFY.
  const workOptions = { batchSize: 1, pollingIntervalSeconds, notifyPollingIntervalSeconds: pollingIntervalSeconds, includeMetadata: true } as const;
  if (tenantJobNames.some((name) => handlers[name])) {
    const tenantOptions = { ...workOptions, localConcurrency: tenantConcurrency };
    await boss.work<TenantEnvelope, void, typeof tenantOptions>(TENANT_QUEUE, tenantOptions, async ([job]) => {
      if (!job) return;
      const name = job.data.job;
      if (!tenantJobNames.includes(name)) throw new Error(`job ${job.id} on ${TENANT_QUEUE} names unknown job "${String(name)}"`);
      await run(name, job, job.data.payload);
    });
  }
  for (const name of globalJobNames) {
    if (!handlers[name]) continue;
    await boss.work<object, void, typeof workOptions>(name, workOptions, async ([job]) => {
      if (!job) return;
      await run(name, job, job.data);
    });
    const { cron } = jobCatalog[name];
    if (schedule && cron) await boss.schedule(name, cron, {}, { tz: "UTC" });
  }
}

function isTenantJob(name: JobName): name is TenantJobName {
  return jobCatalog[name].scope === "tenant";
}

function tenantOf(payload: unknown): { tenantId?: string } {
  const tenantId = (payload as { tenantId?: unknown } | null)?.tenantId;
  return typeof tenantId === "string" ? { tenantId } : {};
}

export type { GlobalJobName, TenantJobName };
