import { createHash, randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle } from "./client";
import { pgErrorCode } from "./errors";
import { migrate, migrationsFolder } from "./migrate";
import { RUNTIME_ROLE } from "./roles";
import { memberships, tenants, users, type TenantRole } from "./schema";

export type Backend = "pglite" | "postgres";

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export function testAdminUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
}

let postgresReachable: Promise<boolean> | undefined;
let skipRecorded = false;

/**
 * PGlite always; real Postgres when it answers. One policy for every Postgres-dependent test: under
 * CI, or with TEST_DATABASE_URL set, a missing Postgres fails the run; on a developer machine
 * without one, the file's Postgres half is recorded as a skipped test, so Vitest's summary counts
 * what did not run instead of passing silently.
 */
export async function availableBackends(): Promise<Backend[]> {
  postgresReachable ??= (async () => {
    const sql = postgres(testAdminUrl(), { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch (error) {
      if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL is set but unreachable: ${String(error)}`, { cause: error });
      if (process.env.CI)
        throw new Error(`CI needs Postgres for the integration tests; none answers at ${redactedAdminUrl()}: ${String(error)}`, { cause: error });
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  if (await postgresReachable) return ["pglite", "postgres"];
  await recordPostgresSkip();
  return ["pglite"];
}

/** Whether this file's Postgres half runs, by the same policy (a skip recorded when it does not). */
export async function postgresAvailable(): Promise<boolean> {
  return (await availableBackends()).includes("postgres");
}

function redactedAdminUrl(): string {
  return testAdminUrl().replace(/:[^:@/]*@/, ":…@");
}

/** Inside a Vitest file: one skipped test standing for the file's Postgres half (counted in the summary). */
async function recordPostgresSkip(): Promise<void> {
  if (skipRecorded || !process.env.VITEST) return;
  skipRecorded = true;
  const { it } = await import("vitest");
  it.skip(`the Postgres half of this file: no Postgres answers at ${redactedAdminUrl()} (start one or set TEST_DATABASE_URL; CI fails here)`, () => {});
}

export interface TestDatabase extends DatabaseHandle {
  backend: Backend;
  drop(): Promise<void>;
}

/** The unprivileged login tests give the app (DATABASE_URL), as production does. */
export const TEST_RUNTIME_LOGIN = "ferry_test_runtime";

/**
 * Roles are cluster-wide: created once, idempotently (other test processes may race here).
 * The password only matters where the test cluster does not trust local connections.
 */
async function ensureTestRoles(admin: postgres.Sql): Promise<void> {
  for (const statement of [
    `CREATE ROLE ${RUNTIME_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`,
    `CREATE ROLE ${TEST_RUNTIME_LOGIN} LOGIN PASSWORD '${TEST_RUNTIME_LOGIN}' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`,
  ]) {
    await admin.unsafe(statement).catch((error: unknown) => {
      if (pgErrorCode(error) !== "42710" && pgErrorCode(error) !== "23505") throw error;
    });
  }
  await admin.unsafe(`GRANT ${RUNTIME_ROLE} TO ${TEST_RUNTIME_LOGIN}`);
}

/** The test database's URL as the unprivileged runtime login. */
export function runtimeUrlFor(platformUrl: string): string {
  const u = new URL(platformUrl);
  u.username = TEST_RUNTIME_LOGIN;
  u.password = TEST_RUNTIME_LOGIN;
  return u.toString();
}

function migrationsHash(): string {
  const hash = createHash("sha256");
  // The journal too: the migrator orders and skips by its timestamps, so a renumbered or re-dated
  // migration must not reuse a template migrated under the old journal.
  hash.update(readFileSync(`${migrationsFolder}/meta/_journal.json`));
  for (const file of readdirSync(migrationsFolder).sort()) {
    if (file.endsWith(".sql")) hash.update(file).update(readFileSync(`${migrationsFolder}/${file}`));
  }
  return hash.digest("hex").slice(0, 12);
}

let pgliteTemplate: Promise<File | Blob> | undefined;
const PGLITE_TEMPLATE_PREFIX = "ferry-pglite-tpl-";

/**
 * The migrated PGlite data directory, as the Postgres template is: built once per set of
 * migrations and PGlite version, and kept in the temporary directory for every later test process.
 * A new PGlite's initdb and migrations cost ~2 s of CPU; each test file runs in a process of its
 * own, and on two cores that was minutes of a CI run. Written under a scratch name and renamed, so
 * a reader never sees half a file.
 */
async function pgliteDump(): Promise<File | Blob> {
  pgliteTemplate ??= (async () => {
    const name = `${PGLITE_TEMPLATE_PREFIX}${migrationsHash()}-${pgliteVersion()}.tar`;
    const file = join(tmpdir(), name);
    try {
      return new Blob([readFileSync(file)]);
    } catch {
      // Not built yet for these migrations (or pruned meanwhile by a run on other migrations).
    }
    const handle = await openDatabase({ inMemory: true });
    await migrate(handle);
    const dump = await handle.pglite!.dumpDataDir("none");
    await handle.close();
    const scratch = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
    try {
      writeFileSync(scratch, Buffer.from(await dump.arrayBuffer()));
      renameSync(scratch, file);
      // Templates of older migrations are of no further use: 40 MB each.
      for (const other of readdirSync(tmpdir())) {
        if (other.startsWith(PGLITE_TEMPLATE_PREFIX) && other.endsWith(".tar") && other !== name) rmSync(join(tmpdir(), other), { force: true });
      }
    } catch {
      rmSync(scratch, { force: true });
    }
    return dump;
  })();
  return pgliteTemplate;
}

/** The installed PGlite's version (its package.json is not among the package's exports). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve("@electric-sql/pglite"));
  while (dir !== dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name, version } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: string; version?: string };
      if (name === "@electric-sql/pglite" && version) return version;
    }
    dir = dirname(dir);
  }
  throw new Error("Could not find the installed @electric-sql/pglite's package.json");
}

/** A fresh, migrated database of its own, cloned from a migrated template. */
export async function createTestDatabase(backend: Backend): Promise<TestDatabase> {
  if (backend === "pglite") {
    const handle = await openDatabase({ inMemory: true, loadDataDir: await pgliteDump() });
    return { ...handle, backend, drop: () => handle.close() };
  }
  const adminUrl = testAdminUrl();
  const template = `ferry_tpl_${migrationsHash()}`;
  const name = `ferry_test_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    // Test files run in parallel processes: one builds the template while the others wait.
    await admin`select pg_advisory_lock(hashtext('ferry.test-template'))`;
    try {
      await ensureTestRoles(admin);
      const exists = await admin`select 1 from pg_database where datname = ${template}`;
      if (exists.length === 0) {
        // Built under a scratch name and renamed when complete, so a crash never leaves a half template.
        const scratch = `${template}_build`;
        await admin.unsafe(`drop database if exists ${scratch} with (force)`);
        await admin.unsafe(`create database ${scratch}`);
        const scratchUrl = withDatabase(adminUrl, scratch);
        const tpl = await openDatabase({ url: runtimeUrlFor(scratchUrl), platformUrl: scratchUrl, maxConnections: 2 });
        try {
          await migrate(tpl);
        } finally {
          await tpl.close();
        }
        await admin.unsafe(`alter database ${scratch} rename to ${template}`);
      }
      await admin.unsafe(`create database ${name} template ${template}`);
    } finally {
      await admin`select pg_advisory_unlock(hashtext('ferry.test-template'))`;
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const platformUrl = withDatabase(adminUrl, name);
  const handle = await openDatabase({ url: runtimeUrlFor(platformUrl), platformUrl, maxConnections: 5 });
  return {
    ...handle,
    backend,
    drop: async () => {
      await handle.close();
      await dropDatabase(name);
    },
  };
}

/**
 * An empty database of the caller's own (no migrations), dropped with its connections by `drop()`:
 * `url` is the privileged login, `runtimeUrl` the unprivileged one to give the app.
 */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; runtimeUrl: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const adminUrl = testAdminUrl();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select pg_advisory_lock(hashtext('ferry.test-template'))`;
    try {
      await ensureTestRoles(admin);
    } finally {
      await admin`select pg_advisory_unlock(hashtext('ferry.test-template'))`;
    }
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = withDatabase(adminUrl, name);
  return {
    url,
    runtimeUrl: runtimeUrlFor(url),
    drop: () => dropDatabase(name),
  };
}

async function dropDatabase(name: string): Promise<void> {
  const cleanup = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
  try {
    await cleanup.unsafe(`drop database if exists ${name} with (force)`);
  } finally {
    await cleanup.end({ timeout: 5 });
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export interface TenantFixture {
  tenantId: string;
  ownerId: string;
  ownerEmail: string;
}

/** A tenant with an owner, written through the privileged connection as sign-up would. */
export async function createTenantFixture(handle: DatabaseHandle, options: { name?: string; role?: TenantRole } = {}): Promise<TenantFixture> {
  const suffix = randomBytes(4).toString("hex");
  const tenantId = `tnt_${suffix}`;
  const ownerId = `usr_${suffix}`;
  const ownerEmail = `owner-${suffix}@example.test`;
  await handle.platform.insert(users).values({ id: ownerId, name: `Owner ${suffix}`, email: ownerEmail });
  await handle.platform.insert(tenants).values({ id: tenantId, name: options.name ?? `Tenant ${suffix}`, slug: `tenant-${suffix}` });
  await handle.platform.insert(memberships).values({ tenantId, id: `mem_${suffix}`, userId: ownerId, role: options.role ?? "owner" });
  return { tenantId, ownerId, ownerEmail };
}
