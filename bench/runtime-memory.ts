/**
 * Resident memory of the compiled production runtime once it is ready, each process started as
 * `pnpm start:worker`, `pnpm start:web` and `pnpm start` run it (scripts/launch.mjs over the
 * output of `pnpm build`; run that first):
 *   worker    Postgres, ready when pg-boss has started                         target ≤ 120 MB
 *   web       Postgres, FERRY_WORKER=off, ready at /readyz, one page rendered    target ≤ 250 MB
 *   embedded  PGlite, in-process worker, the emulator's demo org, demo seeded    target ≤ 500 MB
 *
 *   pnpm --filter @ferry/bench exec tsx runtime-memory.ts
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, runtimeUrlFor } from "@ferry/db/testing";
import { here, memoryOf, printTable, sleep, stopChild, waitFor, WORKER_NODE_FLAGS, writeResult } from "./lib";

const launcher = join(here, "../scripts/launch.mjs");
/** Seconds a process idles after it is ready before its RSS is read (lazy work at boot settles). */
const SETTLE_MS = 3_000;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(kind: "web" | "worker", env: Record<string, string>): { child: ChildProcess; lines: string[] } {
  // As the package scripts and the Dockerfile start it.
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    MALLOC_ARENA_MAX: "2",
    ...(kind === "worker" ? { NODE_OPTIONS: WORKER_NODE_FLAGS.join(" ") } : {}),
    ...env,
  };
  // An empty value removes the variable (DATABASE_URL for the embedded database).
  for (const [key, value] of Object.entries(env)) if (value === "") delete merged[key];
  const child = spawn(process.execPath, [launcher, kind], { cwd: join(here, ".."), env: merged, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  const onData = (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean));
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  return { child, lines };
}

async function measure(name: string, kind: "web" | "worker", env: Record<string, string>, ready: (lines: string[]) => Promise<boolean>, target: number) {
  const started = Date.now();
  const { child, lines } = launch(kind, env);
  try {
    await waitFor(
      `${name} to be ready`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}): ${lines.slice(-10).join("\n")}`);
        return ready(lines);
      },
      300_000,
      100,
    );
    const readyS = (Date.now() - started) / 1000;
    await sleep(SETTLE_MS);
    const memory = memoryOf(child.pid!)!;
    return { name, readyS, rssMb: memory.rssMb, peakMb: memory.peakMb, targetMb: target };
  } finally {
    await stopChild(child);
  }
}

// Production's two logins: the unprivileged runtime login and the privileged one that owns the schema.
const db = await createTestDatabase("postgres");
const logins = { DATABASE_URL: runtimeUrlFor(db.platformUrl!), DATABASE_PLATFORM_URL: db.platformUrl! };
const figures = [];
try {
  figures.push(
    await measure(
      "worker (pnpm start:worker)",
      "worker",
      { ...logins, FERRY_MASTER_KEY: randomBytes(32).toString("base64"), LOG_LEVEL: "info" },
      async (lines) => lines.some((l) => l.includes('"worker started"')),
      120,
    ),
  );
  const webPort = await freePort();
  figures.push(
    await measure(
      "web (pnpm start:web)",
      "web",
      {
        ...logins,
        BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
        FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
        PORT: String(webPort),
        HOST: "127.0.0.1",
        LOG_LEVEL: "warn",
      },
      async () =>
        (await fetch(`http://127.0.0.1:${webPort}/readyz`)
          .then((r) => r.ok)
          .catch(() => false)) && (await fetch(`http://127.0.0.1:${webPort}/sign-in`).then((r) => r.ok)),
      250,
    ),
  );
  const dataDir = mkdtempSync(join(tmpdir(), "ferry-bench-embedded-"));
  const embeddedPort = await freePort();
  try {
    figures.push(
      await measure(
        "embedded (pnpm start: PGlite, worker, emulator demo org)",
        "web",
        {
          DATABASE_URL: "",
          DATABASE_PLATFORM_URL: "",
          FERRY_DATA_DIR: dataDir,
          PORT: String(embeddedPort),
          HOST: "127.0.0.1",
          FERRY_EMULATOR_PORT: "0",
          LOG_LEVEL: "warn",
        },
        async () =>
          (await fetch(`http://127.0.0.1:${embeddedPort}/readyz`)
            .then((r) => r.ok)
            .catch(() => false)) && (await fetch(`http://127.0.0.1:${embeddedPort}/sign-in`).then((r) => r.ok)),
        500,
      ),
    );
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
} finally {
  await db.drop();
}

printTable("Compiled runtime: resident memory when ready", [
  ["process", "ready (s)", "RSS (MB)", "peak RSS (MB)", "target (MB)"],
  ...figures.map((f) => [f.name, f.readyS.toFixed(1), Math.round(f.rssMb), Math.round(f.peakMb), `≤ ${f.targetMb}`]),
]);
await writeResult("runtime-memory", { settleMs: SETTLE_MS, figures });
