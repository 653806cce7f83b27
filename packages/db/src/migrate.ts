import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import type { PostgresJsDatabase } from "drizzle-orm/postgres-js";
import type { DatabaseHandle } from "./client";
import { pgErrorCode } from "./errors";

export const migrationsFolder = fileURLToPath(new URL("../drizzle", import.meta.url));

export async function migrate(handle: DatabaseHandle): Promise<void> {
  if (handle.kind === "pglite") {
    await migratePglite(handle.platform as unknown as PgliteDatabase, { migrationsFolder });
  } else {
    // Two processes starting at once (web and worker) must not both run the migrations.
    await withMigrationLock(handle, () => migratePostgres(handle.platform as unknown as PostgresJsDatabase, { migrationsFolder }));
  }
}

async function withMigrationLock(handle: DatabaseHandle, fn: () => Promise<void>): Promise<void> {
  // A connection of its own: the migrator needs the pool, which may have a single connection.
  const lock = postgres(handle.platformUrl!, { max: 1, onnotice: () => {} });
  try {
    await lock`select pg_advisory_lock(hashtext('ferry.migrate'))`;
    await fn();
  } finally {
    await lock.end({ timeout: 5 });
  }
}

interface Journal {
  entries: { tag: string; when: number }[];
}

export function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, "utf8")) as Journal;
  return journal.entries.length;
}

/** For /readyz: the database answers and every committed migration has been applied. */
export async function migrationStatus(handle: DatabaseHandle): Promise<{ applied: number; expected: number }> {
  const expected = expectedMigrations();
  try {
    const rows = (await handle.platform.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`)) as unknown;
    const n = extractRows<{ n: number }>(rows)[0]?.n ?? 0;
    return { applied: n, expected };
  } catch (error) {
    if (pgErrorCode(error) === "42P01" || pgErrorCode(error) === "3F000") return { applied: 0, expected };
    throw error;
  }
}

/** The rows of `db.execute(...)`: postgres-js returns an array; PGlite returns `{ rows }`. */
export function extractRows<T = Record<string, unknown>>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
