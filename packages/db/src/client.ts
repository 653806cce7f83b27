import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import postgres from "postgres";
import lockfile from "proper-lockfile";
import * as schema from "./schema";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DatabaseHandle {
  kind: "pglite" | "postgres";
  /** Privileged connection (table owner / superuser); tenant work goes through `withTenant`. */
  db: Database;
  /** The embedded instance, for pg-boss and COPY in embedded mode. */
  pglite?: PGlite;
  /** The postgres-js client, for COPY and LISTEN in Postgres mode. */
  sql?: postgres.Sql;
  url?: string;
  dataDir?: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Postgres URL; when absent the embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data directory; `memory://` or undefined with `inMemory` for tests. */
  dataDir?: string | undefined;
  inMemory?: boolean;
  /** Load a PGlite instance from a dump (tests clone a migrated template this way). */
  loadDataDir?: Blob | File;
  maxConnections?: number;
}

export class DatabaseLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly ownerPid?: number,
  ) {
    super(
      `The embedded database at ${dataDir} is already open in another Ferry process${ownerPid ? ` (pid ${ownerPid})` : ""}. ` +
        "PGlite allows only one process per data directory (a second one would silently lose writes). " +
        "Stop the other process first, or set DATABASE_URL to run on Postgres with separate web and worker processes.",
    );
    this.name = "DatabaseLockedError";
  }
}

export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<DatabaseHandle> {
  if (options.url) return openPostgres(options.url, options.maxConnections ?? 10);
  return openPglite(options);
}

function openPostgres(url: string, max: number): DatabaseHandle {
  const sql = postgres(url, { max, onnotice: () => {}, connection: { application_name: "ferry" } });
  const db = drizzlePostgres({ client: sql, schema }) as unknown as Database;
  return {
    kind: "postgres",
    db,
    sql,
    url,
    close: () => sql.end({ timeout: 5 }),
  };
}

async function openPglite(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.inMemory || !options.dataDir) {
    const pglite = await PGlite.create(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
    const db = drizzlePglite({ client: pglite, schema }) as unknown as Database;
    return { kind: "pglite", db, pglite, close: () => pglite.close() };
  }
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const release = await lockDataDir(dataDir);
  try {
    // Postgres's default 128 MB of shared buffers lives in PGlite's WASM memory, resident for the
    // process's life; the embedded portal's one user needs far less (~100 MB less RSS at 32 MB).
    const pglite = await PGlite.create({ dataDir, startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"] });
    const db = drizzlePglite({ client: pglite, schema }) as unknown as Database;
    return {
      kind: "pglite",
      db,
      pglite,
      dataDir,
      close: async () => {
        await pglite.close();
        await release();
      },
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * One process per data directory. PGlite's WASM work blocks the event loop, so the lock's mtime
 * refresh can stall for long stretches: staleness alone would hand the directory to a second
 * process while the first still writes. The owner's pid, kept beside the lock, decides instead:
 * a lock whose owner is gone is taken over at once; a live owner is never overridden.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockfilePath = path.join(dataDir, "..", `${path.basename(dataDir)}.lock`);
  const pidPath = `${lockfilePath}.pid`;
  const lockOptions = { lockfilePath, stale: 24 * 3600_000, update: 60_000, realpath: false };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(dataDir, lockOptions);
  } catch (error) {
    if ((error as { code?: string }).code !== "ELOCKED") throw error;
    const owner = readPid(pidPath);
    if (owner !== undefined && isAlive(owner)) throw new DatabaseLockedError(dataDir, owner);
    await lockfile.unlock(dataDir, lockOptions).catch(() => {});
    try {
      release = await lockfile.lock(dataDir, lockOptions);
    } catch (retryError) {
      if ((retryError as { code?: string }).code === "ELOCKED") throw new DatabaseLockedError(dataDir, readPid(pidPath));
      throw retryError;
    }
  }
  writeFileSync(pidPath, String(process.pid));
  return async () => {
    rmSync(pidPath, { force: true });
    await release();
  };
}

function readPid(pidPath: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidPath, "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
}
