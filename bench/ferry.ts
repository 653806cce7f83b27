import type { ChildProcess } from "node:child_process";
import postgres from "postgres";
import { createTenantFixture, createTestDatabase, runtimeUrlFor, type TestDatabase } from "@ferry/db/testing";
import { memoryOf, spawnCompiled, stopChild, waitFor, WORKER_NODE_FLAGS, type EmulatorProcess } from "./lib";

/**
 * Bench-only tables beside Ferry's schema: the credentials a bench worker logs in with, one row per
 * job the worker ran (start, end, calls per object), and the commit time of every chunk (a trigger
 * on the counters row each chunk's transaction updates last, so the time is taken just before commit;
 * `now()` there is the chunk transaction's start, which splits a chunk into reading and writing).
 */
const PROBES = `
create table if not exists bench_credentials (tenant_id text primary key, login_url text not null, username text not null, password text not null);
create table if not exists bench_jobs (
  job_id text primary key, tenant_id text not null, run_id text not null, kind text not null, pid int not null,
  started_at timestamptz not null, finished_at timestamptz, outcome text, calls jsonb);
create table if not exists bench_commits (run_id text not null, object text not null, processed bigint not null, at timestamptz not null, tx_start timestamptz not null);
create or replace function bench_note_commit() returns trigger language plpgsql security definer as $$
begin
  if new.processed is distinct from old.processed then
    insert into bench_commits values (new.run_id, new.object, new.processed, clock_timestamp(), now());
  end if;
  return new;
end $$;
drop trigger if exists bench_note_commit on sync_run_objects;
create trigger bench_note_commit after update on sync_run_objects for each row execute function bench_note_commit();
-- The bench's worker child runs as the runtime login, like Ferry's worker, and keeps its notes here.
grant select, insert, update on bench_credentials, bench_jobs to ferry_app;
`;

export interface FerryDatabase {
  db: TestDatabase;
  url: string;
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A private, migrated Postgres database for one benchmark run, with the probes installed. */
export async function ferryDatabase(): Promise<FerryDatabase> {
  const db = await createTestDatabase("postgres");
  const url = db.platformUrl!;
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  await sql.unsafe(PROBES);
  return {
    db,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      await db.drop();
    },
  };
}

export async function addTenant(ferry: { db: TestDatabase; sql: postgres.Sql }, emu: EmulatorProcess) {
  const fixture = await createTenantFixture(ferry.db);
  await ferry.sql`insert into bench_credentials values (${fixture.tenantId}, ${emu.url}, ${emu.username}, ${emu.password + emu.token})`;
  return fixture;
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Highest VmHWM seen, MB (sampled every 100 ms and at exit). */
  peakMb(): number;
  /** VmHWM when the worker reported ready, before any job: the process's own footprint. */
  readyMb: number;
  stop(): Promise<void>;
}

/**
 * The standalone worker (`runWorkerProcess`, as `pnpm start:worker` runs it) with the bench's sync
 * handlers, compiled and started as production runs the worker (bundled by esbuild, plain node,
 * NODE_ENV=production, MALLOC_ARENA_MAX=2, its node flags): its memory is the production worker's,
 * not tsx's. BENCH_WORKER_NODE_FLAGS replaces the flags (an experiment).
 */
export async function startWorkerProcess(platformUrl: string, options: { concurrency?: number; label?: string } = {}): Promise<WorkerProcess> {
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const child = await spawnCompiled(
    "worker-child.ts",
    {
      DATABASE_URL: runtimeUrlFor(platformUrl),
      DATABASE_PLATFORM_URL: platformUrl,
      LOG_LEVEL: "warn",
      WORKER_TENANT_CONCURRENCY: String(options.concurrency ?? 4),
      BENCH_LABEL: options.label ?? "worker",
    },
    (line) => {
      if (line === "BENCH_WORKER_READY") ready();
      else if (line.trim()) process.stderr.write(`[${options.label ?? "worker"}] ${line}\n`);
    },
    process.env.BENCH_WORKER_NODE_FLAGS !== undefined ? process.env.BENCH_WORKER_NODE_FLAGS.split(" ").filter(Boolean) : WORKER_NODE_FLAGS,
  );
  const pid = child.pid!;
  let peak = 0;
  const sample = () => {
    const m = memoryOf(pid);
    if (m) peak = Math.max(peak, m.peakMb);
  };
  const timer = setInterval(sample, 100);
  const exited = new Promise<never>((_, reject) => child.once("exit", (code) => reject(new Error(`worker exited early (${code})`))));
  exited.catch(() => undefined);
  await Promise.race([started, exited]);
  sample();
  return {
    child,
    pid,
    readyMb: peak,
    peakMb: () => {
      sample();
      return peak;
    },
    async stop() {
      sample();
      clearInterval(timer);
      await stopChild(child);
    },
  };
}

export interface JobRow {
  job_id: string;
  tenant_id: string;
  run_id: string;
  kind: string;
  pid: number;
  started_at: Date;
  finished_at: Date | null;
  outcome: string | null;
  calls: Record<string, number> | null;
}

export async function waitForJob(sql: postgres.Sql, runId: string, timeoutMs: number): Promise<JobRow> {
  return waitFor(
    `run ${runId}`,
    async () => {
      const [row] = await sql<JobRow[]>`select * from bench_jobs where run_id = ${runId} and finished_at is not null order by finished_at desc limit 1`;
      if (row && row.outcome !== "completed") throw new Error(`run ${runId} ended ${row.outcome}`);
      return row;
    },
    timeoutMs,
    50,
  );
}

export async function runTimes(sql: postgres.Sql, runId: string) {
  const [row] = await sql<{ started_at: Date; finished_at: Date; api_calls: number | null; status: string }[]>`
    select started_at, finished_at, api_calls, status from sync_runs where id = ${runId}`;
  return row!;
}

export async function runObjectCalls(sql: postgres.Sql, runId: string) {
  return sql<{ object: string; api_calls: number; processed: number; created: number; updated: number; seconds: number | null }[]>`
    select object, api_calls::int, processed::int, created::int, updated::int,
           extract(epoch from finished_at - started_at)::float8 as seconds
    from sync_run_objects where run_id = ${runId} order by object`;
}

/** Per chunk of one object: seconds in the database transaction, seconds from the previous commit to its start, and from commit to commit. */
export async function chunkSplit(sql: postgres.Sql, runId: string, object: string) {
  const rows = await sql<{ at: Date; tx_start: Date }[]>`select at, tx_start from bench_commits where run_id = ${runId} and object = ${object} order by at`;
  const write = rows.map((r) => (r.at.getTime() - r.tx_start.getTime()) / 1000);
  const read = rows.slice(1).map((r, i) => (r.tx_start.getTime() - rows[i]!.at.getTime()) / 1000);
  // Chunks are written two at a time on Postgres: a transaction may start before the previous commit
  // (a negative gap), and the time from commit to commit is what bounds the throughput.
  const interval = rows.slice(1).map((r, i) => (r.at.getTime() - rows[i]!.at.getTime()) / 1000);
  return { chunks: rows.length, writeSeconds: write, readSeconds: read, intervalSeconds: interval };
}
