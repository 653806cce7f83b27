import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from "drizzle-orm/pg-core";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import postgres from "postgres";
import lockfile from "proper-lockfile";
import * as schema from "./schema";
import { RUNTIME_ROLE } from "./roles";

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

declare const platformBrand: unique symbol;
/**
 * The privileged connection (superuser or BYPASSRLS owner): migrations, the scheduler, pruning,
 * the support console, better-auth's global tables and pg-boss. A type of its own so that a
 * service needing it says so, and the runtime handle cannot be passed where it is expected.
 */
export type PlatformDatabase = Database & { readonly [platformBrand]: true };

export interface DatabaseHandle {
  kind: "pglite" | "postgres";
  /**
   * The runtime login: not superuser, not BYPASSRLS, owner of nothing. Tenant tables show rows
   * only inside `withTenant`; a query outside it sees none (fail closed).
   */
  db: Database;
  /** The privileged connection, for platform work only (see `PlatformDatabase`). */
  platform: PlatformDatabase;
  /** The embedded instance (privileged session), for pg-boss and COPY in embedded mode. */
  pglite?: PGlite;
  /** The runtime login's postgres-js client in Postgres mode. */
  sql?: postgres.Sql;
  /** Postgres mode: the runtime login's URL (`DATABASE_URL`). */
  runtimeUrl?: string;
  /** Postgres mode: the privileged login's URL (`DATABASE_PLATFORM_URL`), for migrations and pg-boss. */
  platformUrl?: string;
  dataDir?: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Postgres URL of the runtime login; when absent the embedded PGlite is used. */
  url?: string | undefined;
  /** Postgres URL of the privileged login; required with `url`. */
  platformUrl?: string | undefined;
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
  if (options.url) {
    if (!options.platformUrl) throw new Error("openDatabase: a Postgres runtime URL needs the privileged platformUrl beside it");
    return openPostgres(options.url, options.platformUrl, options.maxConnections ?? 10);
  }
  return openPglite(options);
}

/**
 * Ferry's statements are short (a page, a chunk, a probe by key), so JIT compilation never pays
 * for itself, and a plan whose estimate looks high — planner switches make the Lead-conversion
 * pass's look astronomical — got compiled on every run: 400 ms for a 2 ms statement, per chunk.
 */
const SESSION = { jit: "off" };

function openPostgres(runtimeUrl: string, platformUrl: string, max: number): DatabaseHandle {
  const sql = postgres(runtimeUrl, { max, onnotice: () => {}, connection: { ...SESSION, application_name: "ferry" } });
  // Platform work (sessions, pg-boss bookkeeping, console reads) is lighter than tenant work.
  const platformSql = postgres(platformUrl, {
    max: Math.max(2, Math.ceil(max / 2)),
    onnotice: () => {},
    connection: { ...SESSION, application_name: "ferry-platform" },
  });
  const db = drizzlePostgres({ client: sql, schema }) as unknown as Database;
  const platform = drizzlePostgres({ client: platformSql, schema }) as unknown as PlatformDatabase;
  return {
    kind: "postgres",
    db,
    platform,
    sql,
    runtimeUrl,
    platformUrl,
    close: async () => {
      await Promise.all([sql.end({ timeout: 5 }), platformSql.end({ timeout: 5 })]);
    },
  };
}

/**
 * Embedded mode has no logins: one session, as PGlite's superuser. The runtime handle runs every
 * statement in a transaction that first drops to `ferry_app`, so it fails closed exactly like the
 * Postgres runtime login; the privileged handle and pg-boss use the instance as it is. (A session
 * default of `ferry_app` would instead need every pg-boss statement wrapped to climb back.)
 */
function runtimeClient(pglite: PGlite): PGlite {
  const drop = `SET LOCAL ROLE ${RUNTIME_ROLE}`;
  const client = {
    query: (text: string, params?: unknown[], options?: object) =>
      pglite.transaction(async (tx) => {
        await tx.exec(drop);
        return tx.query(text, params, options);
      }),
    transaction: <T>(fn: (tx: Transaction_) => Promise<T>) =>
      pglite.transaction(async (tx) => {
        await tx.exec(drop);
        return fn(tx);
      }),
  };
  return client as unknown as PGlite;
}
type Transaction_ = Parameters<Parameters<PGlite["transaction"]>[0]>[0];

function pgliteHandles(pglite: PGlite): { db: Database; platform: PlatformDatabase } {
  return {
    db: drizzlePglite({ client: runtimeClient(pglite), schema }) as unknown as Database,
    platform: drizzlePglite({ client: pglite, schema }) as unknown as PlatformDatabase,
  };
}

async function openPglite(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (options.inMemory || !options.dataDir) {
    const pglite = await PGlite.create(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
    return { kind: "pglite", ...pgliteHandles(pglite), pglite, close: () => pglite.close() };
  }
  const dataDir = path.resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const release = await lockDataDir(dataDir);
  try {
    // Postgres's default 128 MB of shared buffers lives in PGlite's WASM memory, resident for the
    // process's life; the embedded portal's one user needs far less (~100 MB less RSS at 32 MB).
    const create = () => PGlite.create({ dataDir, startParams: [...PGlite.defaultStartParams, "-c", "shared_buffers=32MB"] });
    if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
      // A new directory is initdb'd first, which grows the WASM memory to over 1 GB, and WASM memory
      // never shrinks: initialised and closed, the directory opens again in a fresh instance
      // (a second or so), and the first start settles at the RSS of every later one (~450 MB, not ~850).
      await (await create()).close();
    }
    const pglite = await create();
    return {
      kind: "pglite",
      ...pgliteHandles(pglite),
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
    // A live owner writes its pid right after locking and removes it only after unlocking, so a
    // lock without a pid is either milliseconds old (an owner starting now) or a dead process's.
    if (owner === undefined && Date.now() - mtimeMs(lockfilePath) < OWNERLESS_LOCK_GRACE_MS) throw new DatabaseLockedError(dataDir, undefined);
    // The owner is gone (killed, crashed). proper-lockfile unlocks only locks this process took;
    // another process's lock directory is removed by hand.
    await lockfile.unlock(dataDir, lockOptions).catch(() => rmSync(lockfilePath, { recursive: true, force: true }));
    try {
      release = await lockfile.lock(dataDir, lockOptions);
    } catch (retryError) {
      if ((retryError as { code?: string }).code === "ELOCKED") throw new DatabaseLockedError(dataDir, readPid(pidPath));
      throw retryError;
    }
  }
  writeFileSync(pidPath, String(process.pid));
  return async () => {
    await release();
    // After the unlock, and only if it is still this process's: the next owner may have written its own.
    if (readPid(pidPath) === process.pid) rmSync(pidPath, { force: true });
  };
}

/** A lock with no pid beside it this young may be an owner between locking and writing its pid. */
const OWNERLESS_LOCK_GRACE_MS = 5_000;

function mtimeMs(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
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
