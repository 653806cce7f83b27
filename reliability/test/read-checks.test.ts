import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTenant, rowsOf } from "@ferry/db";
import { createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runIncrementalSync, runInitialSync, SYNC_OBJECTS, type SyncOptions } from "@ferry/sync";
import { checksum, connect, emulatorRows, runObjects, startOrg, storedRows } from "@ferry/sync/testing";
import { record, SIZE } from "../src/harness";

// REST pages of 200 rows: every page is a stored checkpoint (object, last Id) to resume from.
const options: SyncOptions = { bulkThreshold: 1_000_000_000, restPageSize: SIZE === "full" ? 200 : 400, retry: { baseDelayMs: 5, maxDelayMs: 50 } };
const counts = { User: 5, Account: 120, Contact: 300, Lead: 450, Opportunity: 150, OpportunityContactRole: 150, Campaign: 8, CampaignMember: 250 };

/** Every column of every stored record, in one digest: any write at all changes it. */
export async function tableImage(db: TestDatabase, tenantId: string): Promise<string> {
  const [row] = rowsOf(
    await withTenant({ db: db.db, tenantId }, (tx) =>
      tx.execute(sql`select md5(coalesce(string_agg(r::text, '|' order by r.object, r.sf_id), '')) as image from sf_records r`),
    ),
  );
  return row!.image as string;
}

async function rowTexts(db: TestDatabase, tenantId: string): Promise<Map<string, string>> {
  const rows = rowsOf(await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`select object || '/' || sf_id as k, r::text as t from sf_records r`)));
  return new Map(rows.map((r) => [r.k as string, r.t as string]));
}

async function copyDifferences(emu: EmulatorHandle, db: TestDatabase, tenantId: string): Promise<string[]> {
  const differences: string[] = [];
  for (const object of SYNC_OBJECTS) {
    const expected = emulatorRows(emu, object);
    const stored = await storedRows(db, tenantId, object);
    if (stored.length !== expected.length || new Set(stored.map((r) => r.id)).size !== stored.length || checksum(stored) !== checksum(expected))
      differences.push(object);
  }
  return differences;
}

/** The records' content (ids, fields, deletion) per object: the state a resume must reproduce; load timestamps aside. */
async function contentState(db: TestDatabase, tenantId: string): Promise<string> {
  const parts: string[] = [];
  for (const object of SYNC_OBJECTS) {
    const stored = await storedRows(db, tenantId, object, { includeDeleted: true });
    parts.push(`${object}:${stored.length}:${new Set(stored.map((r) => r.id)).size}:${checksum(stored)}`);
  }
  return parts.join(";");
}

const written = (rows: Awaited<ReturnType<typeof runObjects>>) => rows.reduce((n, r) => n + r.created + r.updated + r.deleted, 0);

describe("Airbyte-style read checks on Postgres", () => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    emu = await startOrg({ counts, controlApi: true });
    db = await createTestDatabase("postgres");
    tenantId = (await createTenantFixture(db)).tenantId;
    // A probe beside Ferry's schema: every checkpoint the engine commits, in order.
    await db.platform.execute(
      sql.raw(`
      create table checkpoint_history (n serial primary key, object text, run_id text, mode text, last_id text, pages_read int, done boolean);
      create function note_checkpoint() returns trigger language plpgsql security definer as $$
      begin insert into checkpoint_history (object, run_id, mode, last_id, pages_read, done) values (new.object, new.run_id, new.mode, new.last_id, new.pages_read, new.initial_done_at is not null); return new; end $$;
      create trigger note_checkpoint after insert or update on sync_checkpoints for each row execute function note_checkpoint();`),
    );
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("two consecutive full reads store identical data", async () => {
    expect(await runInitialSync({ database: db, tenantId, runId: "full-1", conn: await connect(emu), options })).toEqual({ outcome: "completed" });
    const first = await tableImage(db, tenantId);
    const firstRows = await rowTexts(db, tenantId);
    expect(await copyDifferences(emu, db, tenantId)).toEqual([]);
    // A second full read from scratch (checkpoints cleared) over the stored copy.
    await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`delete from sync_checkpoints`));
    expect(await runInitialSync({ database: db, tenantId, runId: "full-2", conn: await connect(emu), options })).toEqual({ outcome: "completed" });
    const second = await tableImage(db, tenantId);
    const secondRows = await rowTexts(db, tenantId);
    const changedRows = [...secondRows].filter(([k, v]) => firstRows.get(k) !== v);
    const counters = await runObjects(db, tenantId, "full-2");
    const differences = await copyDifferences(emu, db, tenantId);
    record(
      "2 two full reads",
      `initial sync twice over ${Object.values(counts).reduce((a, b) => a + b)} records`,
      first === second && differences.length === 0 ? "pass" : "FAIL",
      {
        "rows written by read 2": written(counters),
        "stored image identical": String(first === second),
        "rows whose stored columns changed": changedRows.length,
        "first changed row (read 1 → read 2)": changedRows[0] ? `${firstRows.get(changedRows[0][0])?.slice(-260)} → ${changedRows[0][1].slice(-260)}` : "—",
      },
    );
    expect(differences).toEqual([]);
    expect(second).toBe(first);
    expect(written(counters)).toBe(0);
  });

  it("an incremental run with no Salesforce changes writes nothing", async () => {
    const before = await tableImage(db, tenantId);
    const figures: Record<string, number> = {};
    for (const runId of ["inc-1", "inc-2"]) {
      expect(await runIncrementalSync({ database: db, tenantId, runId, conn: await connect(emu), options })).toEqual({ outcome: "completed" });
      const counters = await runObjects(db, tenantId, runId);
      figures[`${runId} rows read`] = counters.reduce((n, r) => n + r.processed, 0);
      figures[`${runId} rows written`] = written(counters);
    }
    const after = await tableImage(db, tenantId);
    record(
      "2 no-change incremental",
      "two incremental cycles without changes",
      before === after && figures["inc-2 rows written"] === 0 ? "pass" : "FAIL",
      figures,
    );
    expect(after).toBe(before);
    expect(figures["inc-1 rows written"]).toBe(0);
    expect(figures["inc-2 rows written"]).toBe(0);
    expect(figures["inc-2 rows read"]).toBe(0);
  });

  it("resuming from every stored checkpoint of a run gives the same final state", async () => {
    const resumed = (await createTenantFixture(db)).tenantId;
    await db.platform.execute(sql`truncate checkpoint_history`);
    expect(await runInitialSync({ database: db, tenantId: resumed, runId: "slices", conn: await connect(emu), options })).toEqual({ outcome: "completed" });
    const final = await contentState(db, resumed);
    const history = rowsOf(
      await db.platform.execute(
        sql`select object, last_id, pages_read from checkpoint_history where run_id = 'slices' and not done and mode = 'rest' order by n`,
      ),
    ) as {
      object: string;
      last_id: string | null;
      pages_read: number;
    }[];
    const order = [...SYNC_OBJECTS] as string[];
    let identical = 0;
    for (const cp of history) {
      // Put the tenant back exactly as it was when this checkpoint committed: the rows after it gone, later objects not started.
      const later = order.slice(order.indexOf(cp.object) + 1);
      await withTenant({ db: db.db, tenantId: resumed }, async (tx) => {
        await tx.execute(
          sql`update sync_checkpoints set mode = 'rest', last_id = ${cp.last_id}, pages_read = ${cp.pages_read}, initial_done_at = null, last_modstamp = null where object = ${cp.object}`,
        );
        await tx.execute(sql`delete from sf_records where object = ${cp.object} and (${cp.last_id}::text is null or sf_id > ${cp.last_id})`);
        for (const object of later) {
          await tx.execute(sql`delete from sync_checkpoints where object = ${object}`);
          await tx.execute(sql`delete from sf_records where object = ${object}`);
        }
      });
      expect(await runInitialSync({ database: db, tenantId: resumed, runId: "slices", conn: await connect(emu), options })).toEqual({ outcome: "completed" });
      if ((await contentState(db, resumed)) === final) identical++;
    }
    const differences = await copyDifferences(emu, db, resumed);
    record(
      "2 resume from every checkpoint",
      `${history.length} stored checkpoints, each restored and resumed`,
      identical === history.length && differences.length === 0 ? "pass" : "FAIL",
      {
        checkpoints: history.length,
        "identical final states": identical,
      },
    );
    expect(history.length).toBeGreaterThan(3);
    expect(identical).toBe(history.length);
    expect(differences).toEqual([]);
  });

  it("a checkpoint from the future yields zero records without error", async () => {
    const before = await tableImage(db, tenantId);
    await withTenant({ db: db.db, tenantId }, (tx) => tx.execute(sql`update sync_checkpoints set last_modstamp = '2999-12-31T23:59:59Z', last_id = null`));
    const outcome = await runIncrementalSync({ database: db, tenantId, runId: "future", conn: await connect(emu), options });
    const counters = await runObjects(db, tenantId, "future");
    const read = counters.reduce((n, r) => n + r.processed, 0);
    const after = await tableImage(db, tenantId);
    record(
      "2 future checkpoint",
      "checkpoints set to 2999-12-31, incremental run",
      outcome.outcome === "completed" && read === 0 && before === after ? "pass" : "FAIL",
      {
        outcome: outcome.outcome,
        "records read": read,
      },
    );
    expect(outcome).toEqual({ outcome: "completed" });
    expect(read).toBe(0);
    expect(after).toBe(before);
  });
});
