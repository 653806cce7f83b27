import { Writable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import { createLogger } from "@ferry/observability";
import pg from "pg";
import { startWorker, type HandlerMap, type StartWorkerOptions, type Worker } from "../src/worker";
import { createScratchDatabase, type Backend } from "@ferry/db/testing";

export type { Backend } from "@ferry/db/testing";

/** Keeps log lines in memory so tests stay quiet and can inspect them. */
export function memoryLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  return { logger: createLogger({ name: "worker-test", level: "info", destination }), lines };
}

/** A fresh database per call: an in-memory PGlite, or a scratch database on the local Postgres. */
export async function openBackend(backend: Backend) {
  if (backend === "pglite") {
    const pglite = await PGlite.create();
    return {
      connection: { kind: "pglite" as const, pglite },
      query: async <Row>(text: string, values: unknown[] = []) => (await pglite.query<Row>(text, values)).rows,
      close: () => pglite.close(),
    };
  }
  const database = await createScratchDatabase("ferry_worker");
  const pool = new pg.Pool({ connectionString: database.url, max: 2 });
  // Dropping the scratch database (WITH FORCE) ends any connection still open: expected at teardown.
  pool.on("error", () => undefined);
  return {
    connection: { kind: "postgres" as const, connectionString: database.url },
    query: async <Row>(text: string, values: unknown[] = []) => (await pool.query(text, values)).rows as Row[],
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

export async function startTestWorker(
  connection: StartWorkerOptions["boss"],
  handlers: Partial<HandlerMap>,
  overrides: Partial<StartWorkerOptions> = {},
): Promise<Worker> {
  return startWorker({
    boss: connection,
    handlers,
    logger: memoryLogger().logger,
    pollingIntervalSeconds: 0.5,
    schedule: false,
    ...overrides,
  });
}

export async function waitUntil<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface JobRow {
  id: string;
  name: string;
  state: string;
  retry_count: number;
  retry_limit: number;
  delay_seconds: number;
  singleton_key: string | null;
}

export const jobRowsSql = `
  SELECT id::text, name, state::text, retry_count, retry_limit, singleton_key,
         EXTRACT(EPOCH FROM (start_after - now()))::float AS delay_seconds
  FROM pgboss.job WHERE id = $1`;
