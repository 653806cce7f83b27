/**
 * A standalone Ferry worker for the benchmarks: `runWorkerProcess` exactly as `pnpm start:worker`
 * runs it (env, migrations, pg-boss tenant queue, Postgres emitter), with sync handlers that call
 * the engine's `runSyncJob` as the app's handlers do. The one difference: the connection is opened
 * from bench credentials (a jsforce login) instead of sealed secrets. Each job is noted in
 * bench_jobs with its Salesforce calls per object.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import jsforce from "jsforce";
import type postgres from "postgres";
import { runSyncJob, type RunOutcome, type SyncJobName } from "@ferry/sync";
import { runWorkerProcess } from "@ferry/worker/process";
import type { HandlerMap, JobContext, Worker } from "@ferry/jobs";
import type { WorkerDependencies } from "@ferry/sync";

for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];

const scope = new AsyncLocalStorage<Map<string, number>>();
const jobObjects = new Map<string, string>();
const realFetch = globalThis.fetch;

/** Which object a Salesforce REST/Bulk request is about, for the per-object call tally. */
function objectOf(url: string, body: unknown): string {
  const u = new URL(url);
  const path = u.pathname.replace(/^\/services\/data\/v[\d.]+/, "");
  const sobject = /^\/sobjects\/([^/]+)/.exec(path);
  if (sobject) return sobject[1]!;
  const q = u.searchParams.get("q");
  if (q) return /\bFROM\s+(\w+)/i.exec(q)?.[1] ?? "(query)";
  if (path === "/jobs/query" && typeof body === "string") return /\bFROM\s+(\w+)/i.exec(body)?.[1] ?? "(bulk)";
  const job = /^\/jobs\/query\/([^/]+)/.exec(path);
  if (job) return jobObjects.get(job[1]!) ?? "(bulk)";
  return `(${path.split("/")[1] ?? "other"})`;
}

globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
  const tally = scope.getStore();
  const url = typeof input === "string" ? input : input instanceof URL ? input.toString() : input.url;
  const response = await realFetch(input, init);
  if (tally && url.includes("/services/data/")) {
    const object = objectOf(url, init?.body);
    tally.set(object, (tally.get(object) ?? 0) + 1);
    if (/\/jobs\/query$/.test(new URL(url).pathname) && (init?.method ?? "GET") === "POST") {
      const id = ((await response.clone().json()) as { id?: string }).id;
      if (id) jobObjects.set(id, object);
    }
  }
  return response;
};

function handlers({ database, emitter, logger }: WorkerDependencies): Partial<HandlerMap> {
  const sql = database.sql as postgres.Sql;
  const run = async (name: SyncJobName, payload: { tenantId: string; runId: string; objects?: string[] | undefined }, job: JobContext) => {
    const { tenantId, runId } = payload;
    await sql`insert into bench_jobs (job_id, tenant_id, run_id, kind, pid, started_at) values (${job.jobId}, ${tenantId}, ${runId}, ${name}, ${process.pid}, clock_timestamp())
              on conflict (job_id) do update set started_at = clock_timestamp(), finished_at = null`;
    const tally = new Map<string, number>();
    let outcome: RunOutcome | undefined;
    try {
      outcome = await scope.run(tally, () =>
        runSyncJob(
          {
            database,
            emitter,
            openConnection: async (id) => {
              const [credentials] = await sql<
                { login_url: string; username: string; password: string }[]
              >`select * from bench_credentials where tenant_id = ${id}`;
              const conn = new jsforce.Connection({ loginUrl: credentials!.login_url, version: "62.0" });
              await conn.login(credentials!.username, credentials!.password);
              return conn;
            },
            send: async (next, nextPayload, options) => sender.send(next, nextPayload, options),
          },
          name,
          payload,
          { signal: job.signal, logger: job.logger },
        ),
      );
    } finally {
      await sql`update bench_jobs set finished_at = clock_timestamp(), outcome = ${outcome?.outcome ?? "error"}, calls = ${JSON.stringify(Object.fromEntries(tally))}::jsonb
                where job_id = ${job.jobId}`;
    }
    if (outcome?.outcome !== "completed") logger.warn({ outcome }, "bench run did not complete");
  };
  return {
    "sync.initial": (payload, job) => run("sync.initial", payload, job),
    "sync.incremental": (payload, job) => run("sync.incremental", payload, job),
    "sync.push": (payload, job) => run("sync.push", payload, job),
  };
}

// BENCH_MEMORY_TRACE=ms: the process's memory every ms milliseconds on stderr (a diagnosis aid).
const traceMs = Number(process.env.BENCH_MEMORY_TRACE ?? 0);
if (traceMs > 0) {
  const mb = (n: number) => Math.round(n / 2 ** 20);
  setInterval(() => {
    const m = process.memoryUsage();
    process.stderr.write(
      `MEM rss=${mb(m.rss)} heapTotal=${mb(m.heapTotal)} heapUsed=${mb(m.heapUsed)} external=${mb(m.external)} arrayBuffers=${mb(m.arrayBuffers)}\n`,
    );
  }, traceMs).unref();
}

const running = await runWorkerProcess({ createHandlers: handlers });
const sender: Worker = running.worker;
process.stdout.write("BENCH_WORKER_READY\n");
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    running.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
