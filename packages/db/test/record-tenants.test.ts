import postgres from "postgres";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorChainText, extractRows, pgErrorCode, sfRecords, withTenant } from "../src";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "../src/testing";

/**
 * sf_records has no foreign key to tenants (it checked every inserted row with a query of its
 * own); migration 0013's triggers keep what the key guaranteed. Written against the
 * key's own behaviour: no row names a missing tenant, a deleted tenant's rows go with it, and a
 * tenant being deleted waits for rows being written for it.
 */
const backends = await availableBackends();

function record(tenantId: string, n: number) {
  const sfId = `00Q000000000${String(n).padStart(3, "0")}AAA`;
  return { tenantId, object: "Lead", sfId, fields: { Id: sfId, Name: `Lead ${n}` } };
}

async function failure(work: Promise<unknown>): Promise<{ code: string | undefined; text: string }> {
  return work.then(
    () => ({ code: "none", text: "succeeded" }),
    (error: unknown) => {
      let e: unknown = error;
      while (e && !pgErrorCode(e) && (e as { cause?: unknown }).cause) e = (e as { cause?: unknown }).cause;
      return { code: pgErrorCode(e), text: errorChainText(error) };
    },
  );
}

async function count(database: TestDatabase, tenantId: string): Promise<number> {
  const [row] = extractRows<{ n: number }>(await database.platform.execute(sql`select count(*)::int as n from sf_records where tenant_id = ${tenantId}`));
  return row!.n;
}

describe.each(backends)("records and their tenants on %s", (backend) => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.drop();
  });

  it("refuses rows that name a tenant that does not exist, and stores none of the statement's rows", async () => {
    const a = await createTenantFixture(database);
    // Platform work bypasses row-level security: the check is not the policy's.
    const mixed = await failure(database.platform.insert(sfRecords).values([record(a.tenantId, 1), record("tnt_missing", 2)]));
    expect(mixed.code).toBe("23503");
    expect(mixed.text).toMatch(/tenant "tnt_missing", which does not exist/);
    expect(await count(database, a.tenantId)).toBe(0);

    // The runtime role inside a tenant scope whose tenant is gone (or never was).
    const scoped = await failure(withTenant({ db: database.db, tenantId: "tnt_missing" }, (tx) => tx.insert(sfRecords).values(record("tnt_missing", 3))));
    expect(scoped.code).toBe("23503");
    expect(await count(database, "tnt_missing")).toBe(0);

    await withTenant({ db: database.db, tenantId: a.tenantId }, (tx) => tx.insert(sfRecords).values([record(a.tenantId, 4), record(a.tenantId, 5)]));
    expect(await count(database, a.tenantId)).toBe(2);
  });

  it("never moves a record to another tenant", async () => {
    const a = await createTenantFixture(database);
    const b = await createTenantFixture(database);
    await database.platform.insert(sfRecords).values(record(a.tenantId, 1));
    const moved = await failure(database.platform.execute(sql`update sf_records set tenant_id = ${b.tenantId} where tenant_id = ${a.tenantId}`));
    expect(moved.code).toBe("23503");
    expect(moved.text).toMatch(/cannot move from tenant/);
    expect([await count(database, a.tenantId), await count(database, b.tenantId)]).toEqual([1, 0]);
    // Other updates pass the tenant check untouched.
    await database.platform.execute(sql`update sf_records set fields = fields || '{"Name":"Renamed"}' where tenant_id = ${a.tenantId}`);
  });

  it("deletes a tenant's records with the tenant, and no one else's", async () => {
    const a = await createTenantFixture(database);
    const b = await createTenantFixture(database);
    await database.platform.insert(sfRecords).values([record(a.tenantId, 1), record(a.tenantId, 2), record(b.tenantId, 1)]);
    await database.platform.execute(sql`delete from tenants where id = ${a.tenantId}`);
    expect([await count(database, a.tenantId), await count(database, b.tenantId)]).toEqual([0, 1]);
  });

  it("checks every statement: a tenant deleted earlier in the same transaction takes no more rows", async () => {
    const a = await createTenantFixture(database);
    const outcome = await failure(
      database.platform.transaction(async (tx) => {
        await tx.insert(sfRecords).values(record(a.tenantId, 1));
        await tx.execute(sql`delete from tenants where id = ${a.tenantId}`);
        await tx.insert(sfRecords).values(record(a.tenantId, 2));
      }),
    );
    expect(outcome.code).toBe("23503");
    expect(await count(database, a.tenantId)).toBe(0);
  });

  it.runIf(backend === "postgres")("makes a tenant's deletion wait for records being written for it, then deletes them too", async () => {
    const a = await createTenantFixture(database);
    const writer = postgres(database.platformUrl!, { max: 1, onnotice: () => {} });
    const deleter = postgres(database.platformUrl!, { max: 1, onnotice: () => {} });
    try {
      let deleted = false;
      let deletion: Promise<unknown> = Promise.resolve();
      await writer.begin(async (tx) => {
        await tx`insert into sf_records (tenant_id, object, sf_id, fields) values (${a.tenantId}, 'Lead', '00Q000000000001AAA', '{}')`;
        deletion = deleter`delete from tenants where id = ${a.tenantId}`.then(() => (deleted = true));
        await new Promise((resolve) => setTimeout(resolve, 300));
        // The writer holds the tenant as a foreign key's check would: the deletion is still waiting.
        expect(deleted).toBe(false);
      });
      await deletion;
      expect(deleted).toBe(true);
      expect(await count(database, a.tenantId)).toBe(0);

      // Once the tenant is gone, a late writer fails instead of leaving rows no tenant owns.
      const late = await failure(writer`insert into sf_records (tenant_id, object, sf_id, fields) values (${a.tenantId}, 'Lead', '00Q000000000002AAA', '{}')`);
      expect(late.code).toBe("23503");
      expect(await count(database, a.tenantId)).toBe(0);
    } finally {
      await writer.end({ timeout: 5 });
      await deleter.end({ timeout: 5 });
    }
  });
});
