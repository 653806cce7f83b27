import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import jsforce from "jsforce";
import { PgBoss } from "pg-boss";
import { salesforceConnections, withTenant } from "@ferry/db";
import { createTenantFixture, runtimeUrlFor, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { sealSecret } from "@ferry/services";
import { productionCommand } from "@ferry/web/testing";
import { TENANT_QUEUE } from "@ferry/jobs";

export const SIZE: "ci" | "full" = process.env.RELIABILITY_SIZE === "ci" ? "ci" : "full";
/** The suite run's directory (made by the global setup), or a directory of this file's own. */
export const workDir = process.env.RELIABILITY_DIR ?? mkdtempSync(join(tmpdir(), "ferry-reliability-"));
export const masterKey = randomBytes(32).toString("base64");
const pageLogPreload = fileURLToPath(new URL("./page-log.ts", import.meta.url));
const summaryFile = join(workDir, "summary.jsonl");

/** A secret this run handed to Ferry; the global teardown searches every log line for it. */
export function noteSecret(...values: (string | undefined)[]) {
  for (const v of values) if (v) appendFileSync(join(workDir, "secrets.txt"), `${v}\n`);
}

/** One line of the suite's summary table (printed by the global teardown). */
export function record(point: string, tried: string, outcome: string, figures: Record<string, string | number> = {}) {
  const line = { point, tried, outcome, figures };
  process.stdout.write(`[reliability] ${point} | ${tried} | ${outcome} | ${JSON.stringify(figures)}\n`);
  appendFileSync(summaryFile, `${JSON.stringify(line)}\n`);
}
export { summaryFile };

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Every stdout/stderr line the process wrote (pino JSON). */
  lines: string[];
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The real standalone worker (the compiled `pnpm start:worker`) against the test database (its privileged URL), ready once pg-boss has started. */
export async function startWorkerProcess(
  platformUrl: string,
  options: { pageLog?: string; logFile?: string; env?: Record<string, string> } = {},
): Promise<WorkerProcess> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: runtimeUrlFor(platformUrl),
    DATABASE_PLATFORM_URL: platformUrl,
    FERRY_MASTER_KEY: masterKey,
    LOG_LEVEL: "info",
    WORKER_TENANT_CONCURRENCY: "2",
    // A killed worker's job is failed by the next worker's pg-boss supervisor once its heartbeat lapses.
    WORKER_JOB_HEARTBEAT_SECONDS: String(CHAOS_HEARTBEAT_SECONDS),
    WORKER_SUPERVISE_SECONDS: "2",
    RELIABILITY_PAGE_LOG: options.pageLog,
    ...options.env,
  };
  // node itself, not a pnpm wrapper: SIGKILL must hit the process that syncs. The page log (a
  // fetch wrapper, plain type-stripped TypeScript) loads first only when this test reads it.
  const { command, args, cwd } = productionCommand("worker", options.pageLog ? [pageLogPreload] : []);
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  const lines: string[] = [];
  let ready: () => void = () => {};
  const started = new Promise<void>((resolve) => (ready = resolve));
  const onData = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      if (!line) continue;
      lines.push(line);
      if (options.logFile) appendFileSync(options.logFile, `${line}\n`);
      if (line.includes('"worker started"')) ready();
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const early = exited.then((code) => {
    throw new Error(`worker exited before it started (${code}): ${lines.slice(-5).join("\n")}`);
  });
  early.catch(() => undefined);
  await Promise.race([started, early]);
  return {
    pid: child.pid!,
    child,
    lines,
    exited,
    async kill(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      await exited;
    },
  };
}

/** A tenant whose Salesforce connection is stored sealed, as Validate + Confirm + Start leave it. */
export async function connectedTenant(db: TestDatabase, emu: EmulatorHandle, options: { apiDailyCap?: number } = {}) {
  const fixture = await createTenantFixture(db);
  const user = emu.users[0]!;
  const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: "62.0" });
  const info = await conn.login(user.username, user.password + user.securityToken);
  noteSecret(user.password, user.securityToken, user.password + user.securityToken, conn.accessToken ?? undefined);
  await withTenant({ db: db.db, tenantId: fixture.tenantId }, (tx) =>
    tx.insert(salesforceConnections).values({
      tenantId: fixture.tenantId,
      authType: "password",
      loginUrl: emu.loginUrl,
      username: user.username,
      password: sealSecret(user.password, masterKey, `${fixture.tenantId}:password`),
      securityToken: sealSecret(user.securityToken, masterKey, `${fixture.tenantId}:securityToken`),
      orgId: info.organizationId,
      instanceUrl: emu.url,
      state: "syncing",
      syncEnabled: true,
      apiDailyCap: options.apiDailyCap ?? null,
      apiDailyLimit: 15_000,
    }),
  );
  return { ...fixture, orgId: info.organizationId };
}

/** pg-boss's minimum heartbeat: a SIGKILLed worker's job is retried about this long after its last beat. */
export const CHAOS_HEARTBEAT_SECONDS = 10;

/**
 * The queue as the web process sees it. Jobs go to the tenant queue in the worker's envelope.
 * `chaos` retry settings replace the catalog's (60 s heartbeat, 60 s doubling delay) so twenty
 * kills fit in minutes: pg-boss's minimum heartbeat, and a retry delay of 0–1 s.
 */
export async function openQueue(databaseUrl: string) {
  const boss = new PgBoss({ connectionString: databaseUrl, schema: "pgboss", supervise: false, schedule: false, max: 2 });
  boss.on("error", () => undefined);
  await boss.start();
  return {
    boss,
    async send(
      job: "sync.initial" | "sync.incremental" | "sync.push" | "sync.reconcile",
      payload: { tenantId: string; runId: string },
      retry: { retryLimit: number; retryDelay: number } = { retryLimit: 1000, retryDelay: 0 },
    ) {
      const id = await boss.send(
        TENANT_QUEUE,
        { job, payload },
        { singletonKey: payload.tenantId, ...retry, retryBackoff: false, expireInSeconds: 3600, heartbeatSeconds: CHAOS_HEARTBEAT_SECONDS },
      );
      if (!id) throw new Error("the tenant queue declined the job");
      return id;
    },
    async state(id: string) {
      return (await boss.getJobById(TENANT_QUEUE, id))?.state;
    },
    stop: () => boss.stop({ graceful: false, close: true }),
  };
}

export function readPageLog(file: string): { pid: number; key: string }[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => {
      const [pid, key] = l.split("\t");
      return { pid: Number(pid), key: key! };
    });
}

/** Set on the org before a run: it answers no Bulk query request until the test lets one through. */
export const HOLD_BULK_QUERIES = { hold: { endpoint: "bulk-query", after: 0 } } as const;

/**
 * With the org holding Bulk query requests (HOLD_BULK_QUERIES), lets them through one at a time until a
 * worker waits there for a result page (its request in the page log, the org holding it). Returns that
 * worker's pid: killed now, it leaves the whole read to another worker, however fast the machine.
 */
export async function releaseUntilResultPage(emu: EmulatorHandle, pageLog: string, timeoutMs: number): Promise<number> {
  return waitFor(
    "a worker to wait for a Bulk result page at the org's hold",
    async () => {
      const waiting = emu.state().faults.held > 0;
      const page = readPageLog(pageLog).findLast((l) => l.key.startsWith("bulk "));
      if (waiting && page) return page.pid;
      if (waiting) emu.setFaults({ hold: { endpoint: "bulk-query", after: 1 } });
      return undefined;
    },
    timeoutMs,
    50,
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const random = (min: number, max: number) => min + Math.floor(Math.random() * (max - min));

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
