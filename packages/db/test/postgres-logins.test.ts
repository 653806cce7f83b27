import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertDatabaseLogins, extractRows, migrate, openDatabase, withTenant, type DatabaseHandle } from "../src";
import { availableBackends, testAdminUrl, withDatabase } from "../src/testing";

// The README's production setup, done literally: a schema owner that is not superuser (BYPASSRLS),
// a runtime login, the database owned by the owner; then Ferry migrates and runs on it.
const suffix = randomBytes(4).toString("hex");
const owner = `ferry_owner_${suffix}`;
const runtime = `ferry_runtime_${suffix}`;
const database = `ferry_logins_${suffix}`;

describe.runIf((await availableBackends()).includes("postgres"))("the README's two Postgres logins", () => {
  const admin = postgres(testAdminUrl(), { max: 1, onnotice: () => {} });
  let handle: DatabaseHandle;

  beforeAll(async () => {
    await admin.unsafe(`DO $$ BEGIN CREATE ROLE ferry_app NOLOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await admin.unsafe(`CREATE ROLE ${owner} LOGIN BYPASSRLS PASSWORD '${owner}'`);
    await admin.unsafe(`CREATE ROLE ${runtime} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE PASSWORD '${runtime}'`);
    await admin.unsafe(`GRANT ferry_app TO ${owner}, ${runtime}`);
    await admin.unsafe(`CREATE DATABASE ${database} OWNER ${owner}`);
    const as = (login: string) => {
      const u = new URL(withDatabase(testAdminUrl(), database));
      u.username = login;
      u.password = login;
      return u.toString();
    };
    handle = await openDatabase({ url: as(runtime), platformUrl: as(owner), maxConnections: 2 });
    await migrate(handle);
  });

  afterAll(async () => {
    await handle?.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${runtime}`);
    await admin.unsafe(`DROP ROLE IF EXISTS ${owner}`);
    await admin.end({ timeout: 5 });
  });

  it("migrates as the owner and passes the boot check", async () => {
    await expect(assertDatabaseLogins(handle)).resolves.toBeUndefined();
    const [tables] = extractRows<{ n: number }>(
      await handle.platform.execute(sql`select count(*)::int as n from pg_tables where schemaname = 'public' and tableowner = ${owner}`),
    );
    expect(tables!.n).toBeGreaterThan(15);
  });

  it("opens both logins' sessions without JIT (Ferry's statements are too short for compiling to pay)", async () => {
    expect(extractRows(await handle.db.execute(sql`show jit`))).toEqual([{ jit: "off" }]);
    expect(extractRows(await handle.platform.execute(sql`show jit`))).toEqual([{ jit: "off" }]);
  });

  it("lets the owner do platform work across tenants and the runtime see one tenant only inside withTenant", async () => {
    for (const id of ["t_a", "t_b"]) {
      await handle.platform.execute(sql`insert into tenants (id, name, slug) values (${id}, ${id}, ${id})`);
      await handle.platform.execute(sql`insert into notifications (tenant_id, id, kind, title, body) values (${id}, ${`n_${id}`}, 'info', 't', 'b')`);
    }
    const all = extractRows<{ n: number }>(await handle.platform.execute(sql`select count(*)::int as n from notifications`));
    expect(all[0]!.n).toBe(2);
    expect(extractRows(await handle.db.execute(sql`select * from notifications`))).toEqual([]);
    const seen = await withTenant({ db: handle.db, tenantId: "t_a" }, async (tx) =>
      extractRows<{ tenant_id: string }>(await tx.execute(sql`select tenant_id from notifications`)),
    );
    expect(seen).toEqual([{ tenant_id: "t_a" }]);
    // The owner's own tenant work drops to ferry_app as well.
    const viaOwner = await withTenant({ db: handle.platform, tenantId: "t_b" }, async (tx) =>
      extractRows<{ tenant_id: string }>(await tx.execute(sql`select tenant_id from notifications`)),
    );
    expect(viaOwner).toEqual([{ tenant_id: "t_b" }]);
  });
});
