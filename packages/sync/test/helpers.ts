import { createHash } from "node:crypto";
import jsforce, { type Connection } from "jsforce";
import { sql } from "drizzle-orm";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "@ferry/salesforce-emulator";
import type { DatabaseHandle } from "@ferry/db";
import { withTenant, rowsOf } from "@ferry/db";
import { createTestDatabase, type Backend, type TestDatabase } from "@ferry/db/testing";
import { afterAll, beforeAll } from "vitest";
import { valueConverter } from "../src/shape/objects";

export const SMALL_COUNTS = {
  User: 5,
  Account: 120,
  Contact: 300,
  Lead: 400,
  Opportunity: 150,
  OpportunityContactRole: 150,
  Campaign: 8,
  CampaignMember: 250,
};

export async function startOrg(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  return startEmulator({ port: 0, seed: 7, counts: SMALL_COUNTS, bulkJobDurationMs: 100, ...options });
}

/**
 * An emulated org (startOrg's options) and a fresh database on `backend` for one describe block:
 * started before its tests, dropped and stopped after. Read `emu` and `db` inside the tests.
 */
export function orgAndDatabase(backend: Backend, orgOptions?: EmulatorOptions): { readonly emu: EmulatorHandle; readonly db: TestDatabase } {
  const started = {} as { emu: EmulatorHandle; db: TestDatabase };
  beforeAll(async () => {
    started.emu = await startOrg(orgOptions);
    started.db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await started.db?.drop();
    await started.emu?.stop();
  });
  return started;
}

/** The sync user logged in with username + password + token, so jsforce re-logs in when a session expires. */
export async function connect(emu: EmulatorHandle): Promise<Connection> {
  const user = emu.users[0]!;
  const conn = new jsforce.Connection({ loginUrl: emu.loginUrl, version: "62.0" });
  await conn.login(user.username, user.password + user.securityToken);
  return conn;
}

type Row = { id: string; deleted: boolean; fields: Record<string, unknown> };

/** Every row the emulator holds for an object, read from its org model (not over the API), in the engine's value shape. */
export function emulatorRows(emu: EmulatorHandle, object: string, options: { includeDeleted?: boolean } = {}): Row[] {
  const org = emu.org;
  const table = org.tables.get(object)!;
  const user = org.users[0]!;
  // Compound fields (addresses) are not synced: the engine reads their components instead.
  const fields = org.visibleFields(user, table.def).filter((f) => f.type !== "address");
  const readers = fields.map((f) => {
    const read = table.reader(f.name);
    const convert = valueConverter(f.type);
    return {
      name: f.name,
      get: (ref: Parameters<typeof read>[0]) => {
        const v = read(ref);
        return f.type === "datetime" && typeof v === "number" ? convert(new Date(v * 1000).toISOString()) : convert(v);
      },
    };
  });
  const refs: Parameters<typeof table.read>[0][] = [];
  for (let i = 0; i < table.generatedCount; i++) {
    const stored = table.overlay.get(i + 1);
    if (stored?.purged) continue;
    refs.push(stored ?? i);
  }
  for (const stored of table.overlay.values()) if (stored.counter > table.generatedCount && !stored.purged) refs.push(stored);
  const out: Row[] = [];
  for (const ref of refs) {
    const deleted = table.isDeleted(ref);
    if (deleted && !options.includeDeleted) continue;
    const values: Record<string, unknown> = {};
    for (const r of readers) values[r.name] = r.get(ref);
    out.push({ id: String(values.Id), deleted, fields: values });
  }
  return out;
}

function canonical(value: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(value)
      .sort()
      .map((k) => [k, value[k]]),
  );
}

export function checksum(rows: { id: string; fields: Record<string, unknown> }[]): string {
  const hash = createHash("sha256");
  for (const row of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) hash.update(`${row.id}|${canonical(row.fields)}\n`);
  return hash.digest("hex");
}

export async function storedRows(handle: DatabaseHandle, tenantId: string, object: string, options: { includeDeleted?: boolean } = {}) {
  const result = await withTenant({ db: handle.db, tenantId }, (tx) =>
    tx.execute(sql`select sf_id, fields, is_deleted, master_record_id, person_id, converted_to_id, deleted_at from sf_records where object = ${object}`),
  );
  return rowsOf(result)
    .map((r) => ({
      id: r.sf_id as string,
      fields: r.fields as Record<string, unknown>,
      deleted: r.is_deleted as boolean,
      masterRecordId: r.master_record_id as string | null,
      personId: r.person_id as string | null,
      convertedToId: r.converted_to_id as string | null,
    }))
    .filter((r) => options.includeDeleted || !r.deleted);
}

export async function countRows(handle: DatabaseHandle, tenantId: string): Promise<Record<string, number>> {
  const result = await withTenant({ db: handle.db, tenantId }, (tx) =>
    tx.execute(sql`select object, count(*)::int as n, count(distinct sf_id)::int as d from sf_records where not is_deleted group by object`),
  );
  return Object.fromEntries(rowsOf(result).map((r) => [r.object as string, r.n as number]));
}

export async function runObjects(handle: DatabaseHandle, tenantId: string, runId: string) {
  const result = await withTenant({ db: handle.db, tenantId }, (tx) =>
    tx.execute(
      sql`select object, operation, status, total::int, processed::int, created::int, updated::int, deleted::int, skipped::int, failed::int, api_calls from sync_run_objects where run_id = ${runId}`,
    ),
  );
  return rowsOf(result) as {
    object: string;
    operation: string;
    status: string;
    total: number | null;
    processed: number;
    created: number;
    updated: number;
    deleted: number;
    skipped: number;
    failed: number;
    api_calls: number;
  }[];
}

/**
 * Postgres's own disk_full (53100) raised on every insert of one tenant's rows of `object`: the disk
 * "fills" mid-run. Returns what lifts it.
 */
export async function failWritesWithDiskFull(handle: DatabaseHandle, tenantId: string, object: string): Promise<() => Promise<void>> {
  const name = `disk_full_${tenantId.replace(/\W/g, "_")}`;
  await handle.platform.execute(
    sql.raw(`
      create or replace function ${name}() returns trigger language plpgsql as $$
      begin
        if new.tenant_id = '${tenantId}' and new.object = '${object}' then
          raise exception using errcode = '53100', message = 'could not extend file "base/16384/2619": No space left on device';
        end if;
        return new;
      end $$;`),
  );
  await handle.platform.execute(sql.raw(`create trigger ${name} before insert on sf_records for each row execute function ${name}();`));
  return async () => {
    await handle.platform.execute(sql.raw(`drop trigger if exists ${name} on sf_records`));
  };
}
