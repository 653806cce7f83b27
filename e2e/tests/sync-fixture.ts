import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { tenants, type Database } from "@ferry/db";
import { createEmitter, type RealtimeEmitter } from "@ferry/realtime";

export interface SyncE2E {
  baseURL: string;
  /** A privileged connection to the server's own database, for seeding what the sync engine writes. */
  db: Database;
  /** Publishes through Postgres to the server's socket.io adapter: the path the worker's events take. */
  emitter: RealtimeEmitter;
  tenantId(name: string): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * A Ferry server of its own on a fresh Postgres database, with its worker off. By default the test
 * stands in for the sync engine: it commits run counters to the database and publishes the events
 * the engine publishes, through the same Postgres adapter a standalone worker uses. With `worker`,
 * a standalone worker process (apps/worker) runs the real engine on the same database instead;
 * `env` adds to both processes' environment (e.g. the login hosts of an emulated org).
 */
export async function startSyncE2E(options: { worker?: boolean; env?: Record<string, string> } = {}): Promise<SyncE2E> {
  for (const key of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[key];
  const database: TestDatabase = await createTestDatabase("postgres");
  const url = database.databaseUrl!;
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env: Record<string, string | undefined> = {
    ...process.env,
    PORT: String(port),
    HOST: "127.0.0.1",
    PUBLIC_URL: baseURL,
    DATABASE_URL: url,
    BETTER_AUTH_SECRET: randomBytes(24).toString("hex"),
    FERRY_MASTER_KEY: randomBytes(32).toString("base64"),
    FERRY_WORKER: "off",
    FERRY_EMULATOR: "off",
    FERRY_DEMO: "off",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    ...options.env,
  };
  const child: ChildProcess = spawn("pnpm", ["exec", "tsx", "server.ts"], {
    cwd: path.resolve(import.meta.dirname, "../../apps/web"),
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  // Started after the server, which migrates the database.
  let worker: ChildProcess | undefined;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Ferry exited early (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${baseURL}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`Ferry did not become ready: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (options.worker) {
    worker = spawn("pnpm", ["exec", "tsx", "src/main.ts"], {
      cwd: path.resolve(import.meta.dirname, "../../apps/worker"),
      env,
      stdio: ["ignore", "ignore", "pipe"],
      detached: true,
    });
    worker.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  }
  // Next loads each route's code on its first request; do that here, not inside a test's timeout.
  for (const route of ["/sign-in", "/salesforce", "/salesforce/progress", "/records", "/errors", "/sync-history", "/api/trpc/syncStatus.badge"]) {
    await fetch(`${baseURL}${route}`).catch(() => undefined);
  }
  const emitter = createEmitter({ kind: "postgres", connectionString: url });
  return {
    baseURL,
    db: database.db,
    emitter,
    async tenantId(name) {
      const [row] = await database.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.name, name));
      if (!row) throw new Error(`no tenant named ${name}`);
      return row.id;
    },
    async stop() {
      await emitter.close().catch(() => {});
      for (const proc of [worker, child]) {
        if (!proc || proc.exitCode !== null || !proc.pid) continue;
        const exited = new Promise((resolve) => proc.once("exit", resolve));
        process.kill(-proc.pid, "SIGTERM");
        const stopped = await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 10_000))]);
        if (!stopped) process.kill(-proc.pid, "SIGKILL");
      }
      await database.drop().catch(() => {});
    },
  };
}

export { sql };
