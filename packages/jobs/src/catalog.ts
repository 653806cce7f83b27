import { z } from "zod";

const tenantId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, '_' or '-' only");
const runId = z.string().min(1).max(64);
const objectName = z
  .string()
  .min(1)
  .max(80)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a Salesforce API name");

/**
 * Every tenant-scoped job travels on this one pg-boss queue with policy `singleton` and
 * `singletonKey = tenantId`: a partial unique index allows one active job per key across every
 * worker process, so a tenant never runs two sync jobs at once (whatever their kinds), and a
 * tenant with a long backlog holds at most one worker slot while other tenants' jobs take the rest.
 */
export const TENANT_QUEUE = "tenant-sync";

/**
 * WORKER_JOB_HEARTBEAT_SECONDS, read by every process that sends sync jobs (web and worker alike): a
 * job carries the heartbeat it was sent with, so a portal-started sync must carry the workers' setting.
 */
export const jobHeartbeatSecondsSetting = z.coerce
  .number()
  .int()
  .min(10)
  .max(3600)
  .default(60)
  .describe("seconds from 10 to 3600 (pg-boss's minimum is 10): a sync job whose worker stops beating this long is retried");

/**
 * SYNC_RECONCILE_EVERY_SECONDS, read by every process that runs the scheduler (the standalone worker,
 * the web with its in-process worker): how long after a tenant's initial sync or last reconciliation
 * the next reconciliation is due. The scheduler passes run every few seconds within each minute.
 */
export const reconcileEverySecondsSetting = z.coerce
  .number()
  .int()
  .min(60)
  .max(30 * 24 * 3600)
  .default(24 * 3600)
  .describe("seconds from 60 to 2592000 (30 days) between a tenant's reconciliations, default 86400 (a day)");

interface RetryPolicy {
  /** Retries after the first attempt. */
  retryLimit: number;
  /** Seconds before the first retry; doubled (with jitter) per retry when `retryBackoff`. */
  retryDelay: number;
  retryBackoff: boolean;
  retryDelayMax?: number;
  /** A job still active after this long is failed (and retried). */
  expireInSeconds: number;
  /** A worker that stops heart-beating this long is presumed dead; its job is retried. */
  heartbeatSeconds?: number;
}

export interface TenantJobDefinition<Payload extends z.ZodType> extends RetryPolicy {
  scope: "tenant";
  payload: Payload;
}

export interface GlobalJobDefinition<Payload extends z.ZodType> extends RetryPolicy {
  scope: "global";
  payload: Payload;
  /** Cron expression (UTC) on which the job is sent automatically. */
  cron?: string;
}

const tenantJob = <P extends z.ZodType>(definition: Omit<TenantJobDefinition<P>, "scope">): TenantJobDefinition<P> => ({
  scope: "tenant",
  ...definition,
});
const globalJob = <P extends z.ZodType>(definition: Omit<GlobalJobDefinition<P>, "scope">): GlobalJobDefinition<P> => ({
  scope: "global",
  ...definition,
});

/** The objects a run covers, when not all of them. */
const objectList = z.array(objectName).max(500).optional();

export const jobCatalog = {
  // Retries outlast a long Salesforce outage (60 s doubling to 30 min: over 2 h); each resumes from the checkpoint.
  "sync.initial": tenantJob({
    payload: z.strictObject({ tenantId, runId, objects: objectList }),
    retryLimit: 8,
    retryDelay: 60,
    retryBackoff: true,
    retryDelayMax: 30 * 60,
    expireInSeconds: 6 * 60 * 60,
    heartbeatSeconds: 60,
  }),
  // `objects`: a change stream's catch-up read (a gap, an overflow, an expired position) covers only those.
  "sync.incremental": tenantJob({
    payload: z.strictObject({ tenantId, runId, objects: objectList }),
    retryLimit: 5,
    retryDelay: 30,
    retryBackoff: true,
    retryDelayMax: 15 * 60,
    expireInSeconds: 60 * 60,
    heartbeatSeconds: 60,
  }),
  "sync.push": tenantJob({
    payload: z.strictObject({ tenantId, runId }),
    retryLimit: 5,
    retryDelay: 15,
    retryBackoff: true,
    retryDelayMax: 10 * 60,
    expireInSeconds: 30 * 60,
    heartbeatSeconds: 60,
  }),
  "sync.reconcile": tenantJob({
    payload: z.strictObject({ tenantId, runId, objects: objectList }),
    retryLimit: 2,
    retryDelay: 300,
    retryBackoff: true,
    expireInSeconds: 2 * 60 * 60,
    heartbeatSeconds: 60,
  }),
  // Sent every minute; one pass every few seconds for that minute, so queued pushes leave within
  // seconds and incremental cycles start on each tenant's interval. `stately`: one scheduler at a time.
  "sync.schedule": globalJob({
    payload: z.strictObject({}),
    retryLimit: 0,
    retryDelay: 5,
    retryBackoff: false,
    expireInSeconds: 120,
    cron: "* * * * *",
  }),
  "maintenance.prune": globalJob({
    payload: z.strictObject({}),
    retryLimit: 2,
    retryDelay: 300,
    retryBackoff: false,
    expireInSeconds: 15 * 60,
    cron: "0 * * * *",
  }),
} as const;

export type JobCatalog = typeof jobCatalog;
export type JobName = keyof JobCatalog;
export type TenantJobName = { [N in JobName]: JobCatalog[N]["scope"] extends "tenant" ? N : never }[JobName];
export type GlobalJobName = Exclude<JobName, TenantJobName>;
export type JobPayload<N extends JobName> = z.output<JobCatalog[N]["payload"]>;
export type JobInput<N extends JobName> = z.input<JobCatalog[N]["payload"]>;

export const jobNames = Object.keys(jobCatalog) as JobName[];
export const tenantJobNames = jobNames.filter((name) => jobCatalog[name].scope === "tenant") as TenantJobName[];
export const globalJobNames = jobNames.filter((name) => jobCatalog[name].scope === "global") as GlobalJobName[];

export class InvalidJobError extends Error {
  readonly job: string;
  readonly problems: readonly string[];
  constructor(job: string, problems: string[]) {
    super(`Refused to enqueue "${job}": ${problems.join("; ")}`);
    this.name = "InvalidJobError";
    this.job = job;
    this.problems = problems;
  }
}

export function parseJobPayload<N extends JobName>(name: N, payload: unknown): JobPayload<N> {
  const definition = jobCatalog[name] as JobCatalog[JobName] | undefined;
  if (!definition) throw new InvalidJobError(String(name), [`unknown job; expected one of ${jobNames.join(", ")}`]);
  const parsed = definition.payload.safeParse(payload);
  if (!parsed.success) {
    throw new InvalidJobError(
      name,
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`),
    );
  }
  return parsed.data as JobPayload<N>;
}
