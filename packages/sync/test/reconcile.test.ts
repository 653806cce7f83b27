import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, inArray } from "drizzle-orm";
import { sfRecords } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, runReconcile } from "../src";
import { checksum, connect, emulatorRows, runObjects, SMALL_COUNTS, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();

describe.each(backends)("reconciliation on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startOrg({ counts: { ...SMALL_COUNTS, Contact: 4_500 } });
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("finds and repairs missed rows and deletes the cycles never saw, and counts the repairs", async () => {
    const { tenantId } = await createTenantFixture(db);
    const objects = ["Account", "Contact"];
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn: await connect(emu), objects })).toEqual({ outcome: "completed" });
    const contacts = emulatorRows(emu, "Contact");
    // Rows Ferry lost (or never got), spread over several id pages.
    const lost = [5, 2_100, 2_101, 4_400].map((k) => contacts[k]!.id);
    await db.db.delete(sfRecords).where(and(eq(sfRecords.tenantId, tenantId), eq(sfRecords.object, "Contact"), inArray(sfRecords.sfId, lost)));
    // Deleted in Salesforce while no cycle ran (as after a pause longer than the delete window).
    const deleted = [10, 3_000].map((k) => emu.deleteRecord(contacts[k]!.id));

    expect(await runReconcile({ database: db, tenantId, runId: "reconcile", conn: await connect(emu), objects })).toEqual({ outcome: "completed" });
    for (const object of objects) {
      const expected = emulatorRows(emu, object);
      expect(checksum(await storedRows(db, tenantId, object)), object).toBe(checksum(expected));
    }
    const counters = await runObjects(db, tenantId, "reconcile");
    expect(counters.find((c) => c.object === "Contact")).toMatchObject({ status: "succeeded", total: contacts.length - 2, processed: contacts.length - 2, created: 4, deleted: 2 });
    expect(counters.find((c) => c.object === "Account")).toMatchObject({ status: "succeeded", created: 0, deleted: 0 });
    const tombstones = (await storedRows(db, tenantId, "Contact", { includeDeleted: true })).filter((r) => r.deleted).map((r) => r.id);
    expect(tombstones.sort()).toEqual([...deleted].sort());
  });
});
