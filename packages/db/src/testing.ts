import { createHash, randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle } from "./client";
import { migrate, migrationsFolder } from "./migrate";
import { memberships, tenants, users, type TenantRole } from "./schema";

export type Backend = "pglite" | "postgres";

const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export function testAdminUrl(): string {
  return process.env.TEST_DATABASE_URL || DEFAULT_ADMIN_URL;
}

let postgresReachable: Promise<boolean> | undefined;

/** PGlite always; real Postgres when TEST_DATABASE_URL is set or a local server answers. */
export async function availableBackends(): Promise<Backend[]> {
  postgresReachable ??= (async () => {
    const sql = postgres(testAdminUrl(), { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch (error) {
      if (process.env.TEST_DATABASE_URL) throw new Error(`TEST_DATABASE_URL is set but unreachable: ${String(error)}`, { cause: error });
      return false;
    } finally {
      await sql.end({ timeout: 1 });
    }
  })();
  return (await postgresReachable) ? ["pglite", "postgres"] : ["pglite"];
}

export interface TestDatabase extends DatabaseHandle {
  backend: Backend;
  /** Postgres URL of this test's own database (Postgres backend only). */
  databaseUrl?: string;
  drop(): Promise<void>;
}

function migrationsHash(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsFolder).sort()) {
    if (file.endsWith(".sql")) hash.update(readFileSync(`${migrationsFolder}/${file}`));
  }
  return hash.digest("hex").slice(0, 12);
}

let pgliteTemplate: Promise<File | Blob> | undefined;

async function pgliteDump(): Promise<File | Blob> {
  pgliteTemplate ??= (async () => {
    const handle = await openDatabase({ inMemory: true });
    await migrate(handle);
    const dump = await handle.pglite!.dumpDataDir("none");
    await handle.close();
    return dump;
  })();
  return pgliteTemplate;
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
      const exists = await admin`select 1 from pg_database where datname = ${template}`;
      if (exists.length === 0) {
        // Built under a scratch name and renamed when complete, so a crash never leaves a half template.
        const scratch = `${template}_build`;
        await admin.unsafe(`drop database if exists ${scratch} with (force)`);
        await admin.unsafe(`create database ${scratch}`);
        const tpl = await openDatabase({ url: withDatabase(adminUrl, scratch), maxConnections: 2 });
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
  const databaseUrl = withDatabase(adminUrl, name);
  const handle = await openDatabase({ url: databaseUrl, maxConnections: 5 });
  return {
    ...handle,
    backend,
    databaseUrl,
    drop: async () => {
      await handle.close();
      await dropDatabase(name);
    },
  };
}

/** An empty database of the caller's own (no migrations), dropped with its connections by `drop()`. */
export async function createScratchDatabase(prefix: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const adminUrl = testAdminUrl();
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  return {
    url: withDatabase(adminUrl, name),
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
export async function createTenantFixture(
  handle: DatabaseHandle,
  options: { name?: string; role?: TenantRole } = {},
): Promise<TenantFixture> {
  const suffix = randomBytes(4).toString("hex");
  const tenantId = `tnt_${suffix}`;
  const ownerId = `usr_${suffix}`;
  const ownerEmail = `owner-${suffix}@example.test`;
  await handle.db.insert(users).values({ id: ownerId, name: `Owner ${suffix}`, email: ownerEmail });
  await handle.db.insert(tenants).values({ id: tenantId, name: options.name ?? `Tenant ${suffix}`, slug: `tenant-${suffix}` });
  await handle.db
    .insert(memberships)
    .values({ tenantId, id: `mem_${suffix}`, userId: ownerId, role: options.role ?? "owner" });
  return { tenantId, ownerId, ownerEmail };
}
