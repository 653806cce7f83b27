import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { fieldCatalog, fieldMappings, pushQueue, withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { editRecord, retrySyncErrors, type TenantContext } from "@ferry/services";
import { runInitialSync, runPush } from "../src";
import { connect, emulatorRows, runObjects, SMALL_COUNTS, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("push of two-way edits on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  let ctx: TenantContext;

  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Lead: 1_500 } });
    db = await createTestDatabase(backend);
    const fixture = await createTenantFixture(db);
    ctx = {
      db: db.platform,
      tenantId: fixture.tenantId,
      actor: { userId: fixture.ownerId, email: fixture.ownerEmail, name: "Owner", isStaff: false },
      access: { kind: "member", role: "owner" },
    };
    expect(await runInitialSync({ database: db, tenantId: ctx.tenantId, runId: "initial", conn: await connect(emu), objects: ["Lead"] })).toEqual({
      outcome: "completed",
    });
    // What "Sync Fields" and the mapping step would have stored: Lead.Title is two-way.
    const lead = emu.org.tables.get("Lead")!.def;
    await db.platform
      .insert(fieldCatalog)
      .values(lead.fields.map((f) => ({ tenantId: ctx.tenantId, object: "Lead", fieldName: f.name, label: f.label, type: f.type, writable: f.updateable })));
    await db.platform.insert(fieldMappings).values({ tenantId: ctx.tenantId, object: "Lead", sfField: "Title", ferryField: "title", direction: "two_way" });
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  const pushState = async () => withTenant(ctx, async (tx) => new Map((await tx.select().from(pushQueue)).map((p) => [p.sfId!, p])));

  it("sends 1,000 edits in 5 collection calls, keeps Salesforce's rejection, and resolves a concurrent change by the newer one", {
    timeout: 300_000,
  }, async () => {
    const all = emulatorRows(emu, "Lead");
    const open = all.filter((l) => l.fields.IsConverted !== true);
    const converted = all.find((l) => l.fields.IsConverted === true)!;
    const ferryWins = open[997]!;
    const salesforceWins = open[998]!;

    // Changed in Salesforce before the edit in Ferry: Ferry's edit is the more recent change.
    emu.updateRecord(ferryWins.id, { Title: "Changed in Salesforce first" });
    const edits = [...open.slice(0, 999), converted];
    for (let k = 0; k < edits.length; k += 10) {
      await Promise.all(
        edits.slice(k, k + 10).map((lead) => editRecord({ ctx, input: { object: "Lead", sfId: lead.id, changes: { Title: `Pushed ${lead.id.slice(-5)}` } } })),
      );
    }
    // Changed in Salesforce after the edit in Ferry: Salesforce's change is the more recent one.
    emu.advanceClock(120);
    emu.updateRecord(salesforceWins.id, { Title: "Changed in Salesforce later" });

    const usageBefore = emu.state().apiUsage.used;
    expect(await runPush({ database: db, tenantId: ctx.tenantId, runId: "push-1", conn: await connect(emu) })).toEqual({ outcome: "completed" });
    // /limits, then per batch of 200 one modstamp query and one collection PATCH.
    expect(emu.state().apiUsage.used - usageBefore).toBe(1 + 5 * 2);

    const now = new Map(emulatorRows(emu, "Lead").map((l) => [l.id, l.fields.Title]));
    for (const lead of open.slice(0, 998)) expect(now.get(lead.id)).toBe(`Pushed ${lead.id.slice(-5)}`);
    expect(now.get(salesforceWins.id)).toBe("Changed in Salesforce later");
    const state = await pushState();
    expect(state.get(ferryWins.id)).toMatchObject({ state: "succeeded" });
    // Ferry's copy takes the value once Salesforce accepted it; a refused edit leaves it alone.
    const stored = new Map((await storedRows(db, ctx.tenantId, "Lead")).map((r) => [r.id, r.fields.Title]));
    expect(stored.get(ferryWins.id)).toBe(`Pushed ${ferryWins.id.slice(-5)}`);
    expect(stored.get(converted.id)).toBe(converted.fields.Title);
    expect(state.get(salesforceWins.id)).toMatchObject({ state: "conflict", errorCode: "CONFLICT_SALESFORCE_NEWER" });
    expect(state.get(converted.id)).toMatchObject({
      state: "failed",
      errorCode: "CANNOT_UPDATE_CONVERTED_LEAD",
      errorMessage: "cannot reference converted lead",
    });
    const [counters] = await runObjects(db, ctx.tenantId, "push-1");
    expect(counters).toMatchObject({ object: "Lead", operation: "push_updates", processed: 1_000, updated: 998, failed: 1, skipped: 1 });
    const errors = await withTenant(ctx, async (tx) => rowsOf(await tx.execute(sql`select code, message, sf_id, state from sync_errors order by code`)));
    expect(errors).toEqual([
      expect.objectContaining({ code: "CANNOT_UPDATE_CONVERTED_LEAD", sf_id: converted.id, state: "open" }),
      expect.objectContaining({ code: "CONFLICT_SALESFORCE_NEWER", sf_id: salesforceWins.id, state: "open" }),
    ]);

    // Retried from the errors page: sent again, rejected again, still visible with Salesforce's reason.
    await retrySyncErrors({ ctx, input: { code: "CANNOT_UPDATE_CONVERTED_LEAD" } });
    expect((await pushState()).get(converted.id)).toMatchObject({ state: "queued" });
    expect(await runPush({ database: db, tenantId: ctx.tenantId, runId: "push-2", conn: await connect(emu) })).toEqual({ outcome: "completed" });
    expect((await pushState()).get(converted.id)).toMatchObject({ state: "failed", errorCode: "CANNOT_UPDATE_CONVERTED_LEAD" });
  });

  it("retries records Salesforce could not lock in the next push run", async () => {
    const open = emulatorRows(emu, "Lead")
      .filter((l) => l.fields.IsConverted !== true)
      .slice(1_100, 1_105);
    for (const lead of open) await editRecord({ ctx, input: { object: "Lead", sfId: lead.id, changes: { Title: "Locked once" } } });
    emu.setFaults({ rules: [{ endpoint: "composite", kind: "unable-to-lock-row", times: 1 }] });
    await runPush({ database: db, tenantId: ctx.tenantId, runId: "push-locked", conn: await connect(emu) });
    emu.clearFaults();
    const after = await pushState();
    for (const lead of open) expect(after.get(lead.id)).toMatchObject({ state: "queued", errorCode: "UNABLE_TO_LOCK_ROW" });
    await runPush({ database: db, tenantId: ctx.tenantId, runId: "push-unlocked", conn: await connect(emu) });
    const done = await pushState();
    const titles = new Map(emulatorRows(emu, "Lead").map((l) => [l.id, l.fields.Title]));
    for (const lead of open) {
      expect(done.get(lead.id)).toMatchObject({ state: "succeeded" });
      expect(titles.get(lead.id)).toBe("Locked once");
    }
  });
});
