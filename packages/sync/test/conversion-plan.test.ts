import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { SyncedRow } from "../src/shape/objects";
import { analyzeRecords, CONVERT_LEADS, plannerProbesOnly, StagedChunk, upsertStaged, withStagedChunk } from "../src/store/stage";

/**
 * The Lead-conversion pass: a fresh table (never analyzed, autovacuum off) and one analyzed as the
 * initial sync analyzes it give the same Persons; with the engine's statistics its plan only probes
 * stored rows by key (no access path that scans the tenant's Leads or Contacts), early and late in the load.
 */
const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(15, "0")}`;
const STAMP = "2026-11-01T10:00:00.000Z";

function row(object: "Lead" | "Contact", n: number, convertedTo?: string): SyncedRow {
  const sfId = id(object === "Lead" ? "00Q" : "003", n);
  return {
    sfId,
    systemModstamp: STAMP,
    isDeleted: false,
    masterRecordId: null,
    convertedToId: convertedTo ?? null,
    fields: { Id: sfId, Name: `${object} ${n}`, SystemModstamp: STAMP, IsConverted: convertedTo !== undefined, ConvertedContactId: convertedTo ?? null },
  };
}

async function load(db: TestDatabase, tenantId: string, object: "Lead" | "Contact", rows: SyncedRow[]): Promise<void> {
  for (let k = 0; k < rows.length; k += 2_000) {
    const chunk = new StagedChunk();
    for (const r of rows.slice(k, k + 2_000)) chunk.add(r);
    await withStagedChunk(db, tenantId, chunk, (tx) => upsertStaged(tx, object, chunk, { firstLoad: true }));
  }
}

/** Plan of the conversion statement for a chunk of `converted` converted Leads, as the engine runs it. */
async function plan(db: TestDatabase, tenantId: string, converted: SyncedRow[]): Promise<string> {
  const chunk = new StagedChunk();
  for (const r of converted) chunk.add(r);
  let text = "";
  await withStagedChunk(db, tenantId, chunk, async (tx) => {
    await tx.execute(plannerProbesOnly(true));
    const explained = rowsOf(await tx.execute(sql`EXPLAIN (COSTS OFF) ${CONVERT_LEADS}`));
    text = explained.map((r) => String(Object.values(r)[0])).join("\n");
    // Leave nothing written: the plan is what is looked at here.
    throw Object.assign(new Error("rollback"), { plan: text });
  }).catch((error: { plan?: string }) => {
    if (!error.plan) throw error;
  });
  return text;
}

const backends = await availableBackends();

describe.each(backends)("Lead conversion pass on %s", (backend) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("stores the same Persons with and without statistics, and probes by key with the statistics the load keeps", { timeout: 300_000 }, async () => {
    // No statistics until this test asks for them.
    await db.platform.execute(sql`ALTER TABLE sf_records SET (autovacuum_enabled = false)`);
    const withoutStats = await createTenantFixture(db);
    const withStats = await createTenantFixture(db);
    const CONTACTS = 20_000;
    const LEADS = 30_000;
    const contacts = Array.from({ length: CONTACTS }, (_, n) => row("Contact", n + 1));
    // Every 100th Lead was converted: Leads 100 and 200 both into Contact 7 (the smaller Lead wins),
    // the others into Contact n/100 + 10.
    const converted = (n: number) => (n === 100 || n === 200 ? id("003", 7) : id("003", n / 100 + 10));
    const leads = Array.from({ length: LEADS }, (_, n) => row("Lead", n + 1, (n + 1) % 100 === 0 ? converted(n + 1) : undefined));

    const persons = async (tenantId: string) =>
      rowsOf(
        await db.platform.execute(
          sql`SELECT sf_id, person_id FROM sf_records WHERE tenant_id = ${tenantId} AND object = 'Contact' AND person_id <> sf_id ORDER BY sf_id`,
        ),
      ).map((r) => `${String(r.sf_id)}→${String(r.person_id)}`);

    // 1. Nothing analyzed: the tables as a load leaves them without the engine's ANALYZEs.
    await load(db, withoutStats.tenantId, "Contact", contacts);
    await load(db, withoutStats.tenantId, "Lead", leads);
    const stats = rowsOf(
      await db.platform.execute(sql`SELECT coalesce(last_analyze, last_autoanalyze) AS at FROM pg_stat_user_tables WHERE relname = 'sf_records'`),
    );
    if (backend === "postgres") expect(stats[0]!.at).toBeNull();

    // 2. The same rows for another tenant, analyzed the way the initial sync does it (after chunks).
    await load(db, withStats.tenantId, "Contact", contacts);
    await analyzeRecords(db);
    await load(db, withStats.tenantId, "Lead", leads.slice(0, 2_000));
    await analyzeRecords(db);
    const planEarly = await plan(db, withStats.tenantId, leads.filter((l) => l.convertedToId).slice(0, 20));
    await load(db, withStats.tenantId, "Lead", leads.slice(2_000));
    await analyzeRecords(db);
    const planLate = await plan(db, withStats.tenantId, leads.filter((l) => l.convertedToId).slice(0, 20));

    // Early in the load and at its end the pass reaches stored rows by key only: its cost per chunk
    // does not grow with the table. (The chunk's pairs and the Contacts found may meet in a hash join.)
    for (const p of [planEarly, planLate]) {
      expect(p).not.toMatch(/Merge Join|Seq Scan on sf_records|Bitmap|object_name_key_idx/);
      expect(p.match(/\S+ Scan[^\n]* on sf_records \w+/g)).toEqual([
        "Index Scan using sf_records_tenant_id_object_sf_id_pk on sf_records l",
        "Index Scan using sf_records_tenant_id_object_sf_id_pk on sf_records c",
      ]);
      expect(p).toMatch(/Index Scan using sf_records_tenant_id_object_sf_id_pk on sf_records c\n\s+Index Cond: .*sf_id = ANY/);
      expect(p).toMatch(/Index Scan using sf_records_tenant_id_object_sf_id_pk on sf_records l\n\s+Index Cond: .*sf_id = conv\.sf_id/);
    }

    // Written out: 300 converted Leads; Contact 7 takes Lead 100 (not 200); Lead 300·k → Contact 3k+10.
    const expected = [`${id("003", 7)}→${id("00Q", 100)}`];
    for (let n = 300; n <= LEADS; n += 100) expected.push(`${id("003", n / 100 + 10)}→${id("00Q", n)}`);
    expected.sort();
    expect(await persons(withoutStats.tenantId)).toEqual(expected);
    expect(await persons(withStats.tenantId)).toEqual(expected);
  });
});
