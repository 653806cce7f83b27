import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runIncrementalSync, runInitialSync, SYNC_OBJECTS, type SyncEmitter } from "../src";
import { checksum, connect, emulatorRows, runObjects, SMALL_COUNTS, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();

async function snapshot(db: TestDatabase, tenantId: string) {
  return withTenant({ db: db.db, tenantId }, async (tx) => ({
    records: rowsOf(await tx.execute(sql`select count(*)::int as n, max(synced_at)::text as at from sf_records`))[0],
    checkpoints: rowsOf(await tx.execute(sql`select object, updated_at::text, last_modstamp::text, last_id from sync_checkpoints order by object`)),
  }));
}

describe.each(backends)("incremental cycles on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  let tenantId: string;

  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: 3_000 } });
    db = await createTestDatabase(backend);
    tenantId = (await createTenantFixture(db)).tenantId;
    const conn = await connect(emu);
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn })).toEqual({ outcome: "completed" });
    // The first cycle re-reads the baseline second once.
    expect(await runIncrementalSync({ database: db, tenantId, runId: "settle", conn })).toEqual({ outcome: "completed" });
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("writes nothing when nothing changed", async () => {
    const before = await snapshot(db, tenantId);
    const conn = await connect(emu);
    expect(await runIncrementalSync({ database: db, tenantId, runId: "quiet", conn })).toEqual({ outcome: "completed" });
    expect(await snapshot(db, tenantId)).toEqual(before);
    expect(await runObjects(db, tenantId, "quiet")).toEqual([]);
  });

  it("brings creates, same-second updates, deletes, undeletes, conversions and merges in the next cycle", async () => {
    const leads = emulatorRows(emu, "Lead").filter((l) => l.fields.IsConverted !== true);
    const contacts = emulatorRows(emu, "Contact");
    const accounts = emulatorRows(emu, "Account");
    emu.advanceClock(60);
    const created = [1, 2, 3].map((k) => emu.createRecord("Lead", { LastName: `New ${k}`, Company: `Co ${k}` }));
    // More rows than one page (2,000) share the few seconds this loop takes, so the keyset's tie-break is exercised.
    for (const lead of leads.slice(0, 2_100)) emu.updateRecord(lead.id, { Title: `Title ${lead.id.slice(-4)}` });
    const deleted = contacts.slice(10, 15).map((c) => emu.deleteRecord(c.id));
    emu.undeleteRecord(deleted[0]!);
    const conversion = emu.convertLead(leads[2_200]!.id, {});
    emu.mergeRecords(accounts[0]!.id, [accounts[1]!.id]);
    emu.mergeRecords(contacts[20]!.id, [contacts[21]!.id, contacts[22]!.id]);

    const conn = await connect(emu);
    expect(await runIncrementalSync({ database: db, tenantId, runId: "changes", conn })).toEqual({ outcome: "completed" });

    for (const object of SYNC_OBJECTS) {
      const expected = emulatorRows(emu, object);
      const stored = await storedRows(db, tenantId, object);
      expect(stored.length, object).toBe(expected.length);
      expect(checksum(stored), object).toBe(checksum(expected));
    }
    const storedLeads = new Map((await storedRows(db, tenantId, "Lead")).map((r) => [r.id, r]));
    for (const id of created) expect(storedLeads.has(id)).toBe(true);
    const storedContacts = new Map((await storedRows(db, tenantId, "Contact", { includeDeleted: true })).map((r) => [r.id, r]));
    for (const id of deleted.slice(1)) expect(storedContacts.get(id)).toMatchObject({ deleted: true });
    expect(storedContacts.get(deleted[0]!)).toMatchObject({ deleted: false });
    // The converted Lead points to its Contact, which carries the Lead's Person identity.
    expect(storedLeads.get(conversion.leadId)).toMatchObject({ convertedToId: conversion.contactId, personId: conversion.leadId });
    expect(storedContacts.get(conversion.contactId)).toMatchObject({ personId: conversion.leadId, deleted: false });
    expect(storedContacts.get(contacts[21]!.id)).toMatchObject({ deleted: true, masterRecordId: contacts[20]!.id });
    expect(storedContacts.get(contacts[22]!.id)).toMatchObject({ deleted: true, masterRecordId: contacts[20]!.id });
    const storedAccounts = new Map((await storedRows(db, tenantId, "Account", { includeDeleted: true })).map((r) => [r.id, r]));
    expect(storedAccounts.get(accounts[1]!.id)).toMatchObject({ deleted: true, masterRecordId: accounts[0]!.id });

    const counters = await runObjects(db, tenantId, "changes");
    const lead = counters.find((c) => c.object === "Lead")!;
    expect(lead.created).toBe(3);
    expect(lead.updated).toBeGreaterThanOrEqual(2_101);
    expect(counters.find((c) => c.object === "Contact")!.deleted).toBe(4 + 2);

    const before = await snapshot(db, tenantId);
    expect(await runIncrementalSync({ database: db, tenantId, runId: "after", conn })).toEqual({ outcome: "completed" });
    expect(await snapshot(db, tenantId)).toEqual(before);
  });

  it("carries on when a field becomes invisible mid-cycle", async () => {
    const leads = emulatorRows(emu, "Lead")
      .filter((l) => l.fields.IsConverted !== true)
      .slice(0, 2_100);
    emu.advanceClock(60);
    for (const lead of leads) emu.updateRecord(lead.id, { Title: `Mid-cycle ${lead.id.slice(-4)}` });
    const user = emu.users[0]!.username;
    let hidden = false;
    const emitter: SyncEmitter = {
      emit: async (_t, event, payload) => {
        if (!hidden && event === "sync.progress" && (payload as { object?: string }).object === "Lead") {
          hidden = true;
          emu.setFieldAccess(user, "Lead", "Industry", "hidden");
        }
      },
    };
    try {
      const conn = await connect(emu);
      expect(await runIncrementalSync({ database: db, tenantId, runId: "vanishing", conn, emitter, options: { progressIntervalMs: 0 } })).toEqual({
        outcome: "completed",
      });
    } finally {
      emu.setFieldAccess(user, "Lead", "Industry", "edit");
    }
    expect(hidden).toBe(true);
    const stored = new Map((await storedRows(db, tenantId, "Lead")).map((r) => [r.id, r.fields]));
    for (const lead of leads) expect(stored.get(lead.id)?.Title).toBe(`Mid-cycle ${lead.id.slice(-4)}`);
  });
});
