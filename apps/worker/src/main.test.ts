import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { PgBoss } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createScratchDatabase, postgresAvailable } from "@ferry/db/testing";
import { waitUntil } from "@ferry/jobs/testing";

const workerDir = fileURLToPath(new URL("..", import.meta.url));
const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));

function startMain(env: Record<string, string>) {
  const child = spawn(tsx, ["src/main.ts"], { cwd: workerDir, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk) => (output.stdout += String(chunk)));
  child.stderr.on("data", (chunk) => (output.stderr += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

const logLines = (stdout: string) =>
  stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string; level: string; name: string; handlers?: string[] });

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
const postgresHere = await postgresAvailable();
beforeAll(async () => {
  if (postgresHere) database = await createScratchDatabase("ferry_worker_main");
});
afterAll(async () => {
  await database?.drop();
});

describe("worker process (src/main.ts)", () => {
  it("refuses to start without DATABASE_URL, naming what is expected", async () => {
    const run = startMain({ LOG_LEVEL: "chatty" });
    expect(await run.exited).toBe(1);
    expect(run.output.stderr).toContain("DATABASE_URL is missing: expected a postgres:// URL");
    expect(run.output.stderr).toContain("LOG_LEVEL is invalid");
  });

  it.runIf(postgresHere)("refuses one login for both DATABASE_URL and DATABASE_PLATFORM_URL, saying which is which", async () => {
    const run = startMain({ DATABASE_URL: database.url, DATABASE_PLATFORM_URL: database.url });
    expect(await run.exited).toBe(1);
    expect(run.output.stderr).toContain("DATABASE_URL and DATABASE_PLATFORM_URL use the same login: the runtime login must be a separate, unprivileged role");
    const missing = startMain({ DATABASE_URL: database.runtimeUrl });
    expect(await missing.exited).toBe(1);
    expect(missing.output.stderr).toContain("DATABASE_PLATFORM_URL is missing");
  });

  it.runIf(postgresHere)("starts on Postgres, logs JSON, and stops gracefully on SIGTERM", async () => {
    const run = startMain({ DATABASE_URL: database.runtimeUrl, DATABASE_PLATFORM_URL: database.url, LOG_LEVEL: "info" });
    try {
      await waitUntil(() => logLines(run.output.stdout).some((line) => line.msg === "worker started"), 60_000);
    } catch (error) {
      run.child.kill("SIGKILL");
      throw new Error(`worker did not start: ${run.output.stderr}\n${run.output.stdout}`, { cause: error });
    }
    // Another process enqueues the prune job, as the hourly schedule would.
    const producer = new PgBoss({ connectionString: database.url, schema: "pgboss", supervise: false, schedule: false, migrate: false });
    await producer.start();
    const id = await producer.send("maintenance.prune", {});
    await waitUntil(async () => (await producer.getJobById("maintenance.prune", id ?? ""))?.state === "completed", 30_000);
    await producer.stop();
    // The line was written before the job completed, but reaches this process through a pipe: it may still be on its way.
    await waitUntil(() => logLines(run.output.stdout).some((line) => line.msg === "pruned expired data"), 10_000);

    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(0);
    const lines = logLines(run.output.stdout);
    expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["worker started", "shutting down", "worker stopping", "worker stopped"]));
    expect(lines.every((line) => line.name === "worker")).toBe(true);
    expect(lines.find((line) => line.msg === "worker started")?.handlers).toEqual(["maintenance.prune"]);
  });
});
