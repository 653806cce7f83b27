import { describe, expect, it } from "vitest";
import { and, eq, inArray, sql } from "drizzle-orm";
import { sfRecords, withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { runInitialSync, runReconcile, type SyncEmitter } from "../src";
import { checksum, connect, emulatorRows, orgAndDatabase, runObjects, SMALL_COUNTS, storedRows } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("reconciliation on %s", (backend) => {
  const harness = orgAndDatabase(backend, { counts: { ...SMALL_COUNTS, Contact: 4_500 } });

  it("finds and repairs missed rows and deletes the cycles never saw, and counts the repairs", async () => {
    const { tenantId, ownerEmail } = await createTenantFixture(harness.db);
    const objects = ["Account", "Contact"];
    expect(await runInitialSync({ database: harness.db, tenantId, runId: "initial", conn: await connect(harness.emu), objects })).toEqual({
      outcome: "completed",
    });
    const contacts = emulatorRows(harness.emu, "Contact");
    // Rows Ferry lost (or never got), spread over several id pages.
    const lost = [5, 2_100, 2_101, 4_400].map((k) => contacts[k]!.id);
    await harness.db.platform.delete(sfRecords).where(and(eq(sfRecords.tenantId, tenantId), eq(sfRecords.object, "Contact"), inArray(sfRecords.sfId, lost)));
    // Deleted in Salesforce while no cycle ran (as after a pause longer than the delete window).
    const deleted = [10, 3_000].map((k) => harness.emu.deleteRecord(contacts[k]!.id));

    const emitted: { event: string; payload: unknown }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void emitted.push({ event, payload }) };
    expect(await runReconcile({ database: harness.db, tenantId, runId: "reconcile", conn: await connect(harness.emu), objects, emitter })).toEqual({
      outcome: "completed",
    });
    for (const object of objects) {
      const expected = emulatorRows(harness.emu, object);
      expect(checksum(await storedRows(harness.db, tenantId, object)), object).toBe(checksum(expected));
    }
    const counters = await runObjects(harness.db, tenantId, "reconcile");
    expect(counters.find((c) => c.object === "Contact")).toMatchObject({
      status: "succeeded",
      total: contacts.length - 2,
      processed: contacts.length - 2,
      created: 4,
      deleted: 2,
    });
    // Account's counts agree: its check costs the one COUNT call, no id walk (the run's /limits read,
    // made before the first object, is counted on it too).
    const accounts = emulatorRows(harness.emu, "Account").length;
    expect(counters.find((c) => c.object === "Account")).toMatchObject({
      status: "succeeded",
      created: 0,
      deleted: 0,
      total: accounts,
      skipped: accounts,
      api_calls: 2,
    });
    const tombstones = (await storedRows(harness.db, tenantId, "Contact", { includeDeleted: true })).filter((r) => r.deleted).map((r) => r.id);
    expect(tombstones.sort()).toEqual([...deleted].sort());

    // The admins hear of it: in the app (live, after the commit) and by mail through the outbox.
    const told = await notices(tenantId);
    expect(told.notifications).toEqual([
      {
        kind: "reconcile_repaired",
        title: "Reconciliation repaired 6 rows",
        body: "Contact: 4 missing rows added, 2 rows deleted in Salesforce marked deleted. The regular sync had missed them; Ferry matches Salesforce again. Sync history lists the run.",
      },
    ]);
    expect(told.mail).toEqual([
      expect.objectContaining({ to: ownerEmail, subject: expect.stringMatching(/^Ferry: Reconciliation repaired 6 rows in /), link: "/sync-history" }),
    ]);
    expect(told.mail[0]!.body).toContain("Contact: 4 missing rows added, 2 rows deleted in Salesforce marked deleted.");
    expect(
      emitted
        .filter((e) => e.event === "notification")
        .map((e) => (e.payload as { kind: string }).kind)
        .filter((k) => k !== "initial_sync_finished"),
    ).toEqual(["reconcile_repaired"]);
    // The progress page follows the reconciliation like any run: per object, in the one phase vocabulary.
    const progress = emitted
      .filter((e) => e.event === "sync.progress")
      .map((e) => e.payload as { object: string; phase: string; processed: number; total: number | null });
    expect(new Set(progress.map((p) => p.phase))).toEqual(new Set(["reconciling"]));
    expect(progress.filter((p) => p.object === "Contact").at(-1)).toMatchObject({ processed: contacts.length - 2, total: contacts.length - 2 });

    // A second pass finds nothing out of step: no notification, no mail.
    expect(await runReconcile({ database: harness.db, tenantId, runId: "reconcile-2", conn: await connect(harness.emu), objects })).toEqual({
      outcome: "completed",
    });
    expect((await notices(tenantId)).notifications).toHaveLength(1);
    expect((await notices(tenantId)).mail).toHaveLength(1);
  });

  async function notices(tenantId: string) {
    return withTenant({ db: harness.db.db, tenantId }, async (tx) => ({
      // The initial sync's "finished" notice is not the reconciliation's business.
      notifications: rowsOf(await tx.execute(sql`select kind, title, body from notifications where kind <> 'initial_sync_finished' order by created_at`)),
      mail: rowsOf(
        await tx.execute(
          sql`select "to", subject, body, link from email_outbox where coalesce(meta->>'kind', '') <> 'initial_sync_finished' order by created_at`,
        ),
      ) as { to: string; subject: string; body: string; link: string }[],
    }));
  }
});
