import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDatabaseLogins, errorChainText, extractRows, loginPrivileges, openDatabase, withoutTenant, withTenant, type Transaction } from "../src";
import { availableBackends, createTenantFixture, createTestDatabase, type TenantFixture, type TestDatabase } from "../src/testing";

interface Column {
  column_name: string;
  data_type: string;
  is_nullable: "YES" | "NO";
  column_default: string | null;
}

async function rows<T>(tx: Transaction | TestDatabase["db"] | TestDatabase["platform"], query: ReturnType<typeof sql>): Promise<T[]> {
  return extractRows<T>(await tx.execute(query));
}

async function expectFailure(work: Promise<unknown>, pattern: RegExp, label?: string): Promise<void> {
  const outcome = await work.then(
    () => "succeeded",
    (error: unknown) => errorChainText(error),
  );
  expect(outcome, label).toMatch(pattern);
}

function valueFor(column: Column, fixture: TenantFixture): string {
  if (column.column_name === "tenant_id" || column.column_name === "id")
    return `'${column.column_name === "id" ? `id_${randomBytes(6).toString("hex")}` : fixture.tenantId}'`;
  if (/user_id$|inviter_id$/.test(column.column_name)) return `'${fixture.ownerId}'`;
  // Roles are a closed set (a CHECK since migration 0006).
  if (column.column_name === "role") return "'viewer'";
  switch (column.data_type) {
    case "integer":
    case "bigint":
      return "1";
    case "boolean":
      return "false";
    case "timestamp with time zone":
      return "now()";
    case "jsonb":
      return `'{}'::jsonb`;
    default:
      return `'x_${randomBytes(4).toString("hex")}'`;
  }
}

const backends = await availableBackends();

describe.each(backends)("tenant isolation on %s", (backend) => {
  let database: TestDatabase;
  let a: TenantFixture;
  let b: TenantFixture;
  let tenantTables: string[];
  const columnsOf = new Map<string, Column[]>();

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    a = await createTenantFixture(database);
    b = await createTenantFixture(database);
    tenantTables = (
      await rows<{ table_name: string }>(
        database.platform,
        sql`select table_name from information_schema.columns
            where table_schema = 'public' and column_name = 'tenant_id' order by table_name`,
      )
    ).map((r) => r.table_name);
    for (const table of tenantTables) {
      const columns = await rows<Column>(
        database.platform,
        sql`select column_name, data_type, is_nullable, column_default from information_schema.columns
            where table_schema = 'public' and table_name = ${table} order by ordinal_position`,
      );
      columnsOf.set(table, columns);
      // One row per tenant in every table, through the privileged connection.
      for (const fixture of [a, b]) {
        if (table === "memberships") continue;
        const required = columns.filter((c) => (c.is_nullable === "NO" && c.column_default === null) || c.column_name === "id");
        const names = required.map((c) => `"${c.column_name}"`).join(", ");
        const values = required.map((c) => valueFor(c, fixture)).join(", ");
        await database.platform.execute(sql.raw(`insert into "${table}" (${names}) values (${values})`));
      }
    }
  });

  afterAll(async () => {
    await database?.drop();
  });

  it("finds the tenant tables the schema defines", () => {
    expect(tenantTables).toEqual(expect.arrayContaining(["memberships", "invitations", "audit_log", "salesforce_connections", "sf_records", "sync_runs"]));
  });

  it("forces row-level security on every tenant table", async () => {
    const unprotected = await rows<{ relname: string }>(
      database.platform,
      sql`select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'
            and (c.relname = 'tenants' or exists (
              select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
            and not (c.relrowsecurity and c.relforcerowsecurity)`,
    );
    expect(unprotected.map((r) => r.relname)).toEqual([]);
  });

  it("runs tenant work as a role that is neither superuser, owner nor BYPASSRLS", async () => {
    const [role] = await withTenant({ db: database.db, tenantId: a.tenantId }, (tx) =>
      rows<{ current_user: string; rolsuper: boolean; rolbypassrls: boolean; owns: number }>(
        tx,
        sql`select current_user, r.rolsuper, r.rolbypassrls,
              (select count(*)::int from pg_class c where c.relowner = r.oid) as owns
            from pg_roles r where r.rolname = current_user`,
      ),
    );
    expect(role).toEqual({ current_user: "ferry_app", rolsuper: false, rolbypassrls: false, owns: 0 });
  });

  it("shows each tenant its own rows only", async () => {
    for (const table of tenantTables) {
      const seen = await withTenant({ db: database.db, tenantId: a.tenantId }, (tx) =>
        rows<{ tenant_id: string }>(tx, sql.raw(`select distinct tenant_id from "${table}"`)),
      );
      expect(seen, table).toEqual([{ tenant_id: a.tenantId }]);
    }
  });

  it("returns no other tenant's rows and cannot write them", async () => {
    for (const table of tenantTables) {
      await withTenant({ db: database.db, tenantId: b.tenantId }, async (tx) => {
        const leaked = await rows(tx, sql.raw(`select 1 from "${table}" where tenant_id = '${a.tenantId}'`));
        expect(leaked, `${table} leaked a row of tenant A`).toEqual([]);
        // The audit log refuses every update outright (see the append-only test).
        if (table === "audit_log") return;
        const updated = await rows(tx, sql.raw(`update "${table}" set tenant_id = tenant_id where tenant_id = '${a.tenantId}' returning 1`));
        expect(updated, `${table} updated a row of tenant A`).toEqual([]);
      });
      await expectFailure(
        withTenant({ db: database.db, tenantId: b.tenantId }, async (tx) => {
          const columns = columnsOf.get(table)!.filter((c) => (c.is_nullable === "NO" && c.column_default === null) || c.column_name === "id");
          const values = columns.map((c) => valueFor(c, a)).join(", ");
          await tx.execute(sql.raw(`insert into "${table}" (${columns.map((c) => `"${c.column_name}"`).join(", ")}) values (${values})`));
        }),
        /row-level security|row level security/,
        `${table} accepted a row for tenant A`,
      );
    }
  });

  it("sees nothing and writes nothing without a tenant", async () => {
    for (const table of [...tenantTables, "tenants"]) {
      const seen = await withoutTenant(database.db, (tx) => rows(tx, sql.raw(`select 1 from "${table}"`)));
      expect(seen, table).toEqual([]);
    }
    await expectFailure(
      withoutTenant(database.db, (tx) =>
        tx.execute(sql`insert into notifications (tenant_id, id, kind, title, body) values (${a.tenantId}, 'n1', 'info', 't', 'b')`),
      ),
      /row-level security|row level security/,
    );
  });

  it("shows the runtime handle no tenant row outside withTenant, and lets it write none", async () => {
    for (const table of [...tenantTables, "tenants"]) {
      const seen = await rows(database.db, sql.raw(`select 1 from "${table}"`));
      expect(seen, `${table} showed rows outside withTenant`).toEqual([]);
      const platformSees = await rows<{ n: number }>(database.platform, sql.raw(`select count(*)::int as n from "${table}"`));
      expect(platformSees[0]!.n, `${table} on the platform handle`).toBeGreaterThanOrEqual(2);
    }
    await expectFailure(
      database.db.execute(sql`insert into notifications (tenant_id, id, kind, title, body) values (${a.tenantId}, 'n2', 'info', 't', 'b')`),
      /row-level security|row level security/,
    );
    await expectFailure(database.db.execute(sql`select token from sessions`), /permission denied/);
    await expectFailure(database.db.execute(sql`create table runtime_owned (id int)`), /permission denied/);
  });

  it("gives the app a login that is not superuser, not BYPASSRLS and owns no table", async () => {
    const runtime = await loginPrivileges(database.db);
    expect({ superuser: runtime.superuser, bypassRls: runtime.bypassRls, ownedTables: runtime.ownedTables }).toEqual({
      superuser: false,
      bypassRls: false,
      ownedTables: [],
    });
    expect(runtime.login).toBe(backend === "postgres" ? "ferry_test_runtime" : "ferry_app");
    const platform = await loginPrivileges(database.platform);
    expect(platform.superuser || platform.bypassRls).toBe(true);
    await expect(assertDatabaseLogins(database)).resolves.toBeUndefined();
    if (backend === "postgres") {
      // A superuser in DATABASE_URL is refused at boot with what to do instead.
      const misconfigured = await openDatabase({ url: database.platformUrl, platformUrl: database.platformUrl, maxConnections: 1 });
      try {
        await expect(assertDatabaseLogins(misconfigured)).rejects.toThrow(/DATABASE_URL logs in as "postgres", which is a superuser.*DATABASE_PLATFORM_URL/);
      } finally {
        await misconfigured.close();
      }
    }
  });

  it("keeps the audit log append-only for the runtime role", async () => {
    await expectFailure(
      withTenant({ db: database.db, tenantId: a.tenantId }, (tx) => tx.execute(sql`delete from audit_log`)),
      /permission denied/,
    );
    await expectFailure(
      withTenant({ db: database.db, tenantId: a.tenantId }, (tx) => tx.execute(sql`update audit_log set action = 'x'`)),
      /permission denied/,
    );
  });

  it("does not let the runtime role read credentials or session tokens", async () => {
    await expectFailure(
      withTenant({ db: database.db, tenantId: a.tenantId }, (tx) => tx.execute(sql`select token from sessions`)),
      /permission denied/,
    );
    await expectFailure(
      withTenant({ db: database.db, tenantId: a.tenantId }, (tx) => tx.execute(sql`select password from accounts`)),
      /permission denied/,
    );
  });
});
