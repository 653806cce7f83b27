import { describe, expect, it } from "vitest";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { runIncrementalSync, runInitialSync, SYNC_OBJECTS } from "../src";
import { connect, emulatorRows, orgAndDatabase, runObjects } from "./helpers";

const backends = await availableBackends();
// Five objects: Salesforce takes at most five queries in one /composite request.
const OBJECTS = ["User", "Account", "Contact", "Lead", "Opportunity"];

describe.each(backends)("cycles after an initial sync on %s", (backend) => {
  const harness = orgAndDatabase(backend);

  it("reads only what changed in the first cycle, and an idle cycle costs one API call", async () => {
    const { emu, db } = harness;
    const { tenantId } = await createTenantFixture(db);
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn: await connect(emu), objects: OBJECTS })).toEqual({ outcome: "completed" });

    // The rows of each object's newest second when the initial sync began: the first cycle reads that
    // second again (ties cannot slip through) and finds them unchanged.
    const newestSecond = (object: string) => {
      const stamps = emulatorRows(emu, object, { includeDeleted: true }).map((r) => String(r.fields.SystemModstamp).slice(0, 19));
      const newest = stamps.reduce((a, b) => (a > b ? a : b));
      return stamps.filter((s) => s === newest).length;
    };
    const baseline = Object.fromEntries(OBJECTS.map((o) => [o, newestSecond(o)]));

    emu.advanceClock(60);
    const leads = emulatorRows(emu, "Lead").filter((l) => l.fields.IsConverted !== true);
    for (const lead of leads.slice(0, 7)) emu.updateRecord(lead.id, { Title: `Changed ${lead.id.slice(-4)}` });
    emu.createRecord("Account", { Name: "Created after the initial sync" });
    // Cycles run minutes apart: the changes' minute has closed when the cycle asks. (Changes in the
    // still-open minute are listed again by the next cycle's windows, which then reads them again.)
    emu.advanceClock(60);

    const conn = await connect(emu);
    const before = emu.org.apiUsage;
    expect(await runIncrementalSync({ database: db, tenantId, runId: "first", conn, objects: OBJECTS })).toEqual({ outcome: "completed" });
    const firstCalls = emu.org.apiUsage - before;
    const first = await runObjects(db, tenantId, "first");
    const read = (object: string) => first.find((o) => o.object === object) ?? { processed: 0, created: 0, updated: 0, skipped: 0 };
    expect(read("Lead")).toMatchObject({ processed: 7 + baseline.Lead!, updated: 7, skipped: baseline.Lead });
    expect(read("Account")).toMatchObject({ processed: 1 + baseline.Account!, created: 1, skipped: baseline.Account });
    for (const object of ["User", "Contact", "Opportunity"])
      expect(read(object), object).toMatchObject({ processed: baseline[object], created: 0, updated: 0 });
    // One composite call for the five change queries; no /limits (seen moments ago), no describes (a day old at most).
    expect(firstCalls).toBe(1);

    const idleBefore = emu.org.apiUsage;
    expect(await runIncrementalSync({ database: db, tenantId, runId: "idle", conn, objects: OBJECTS })).toEqual({ outcome: "completed" });
    expect(emu.org.apiUsage - idleBefore).toBe(1);
    expect(await runObjects(db, tenantId, "idle")).toEqual([]);
  });

  it("checks all eight objects in one call when idle, and queries only the object that changed", async () => {
    const { emu, db } = harness;
    const { tenantId } = await createTenantFixture(db);
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn: await connect(emu) })).toEqual({ outcome: "completed" });
    emu.advanceClock(120);
    const conn = await connect(emu);
    const calls = async (runId: string) => {
      const before = emu.org.apiUsage;
      expect(await runIncrementalSync({ database: db, tenantId, runId, conn })).toEqual({ outcome: "completed" });
      return emu.org.apiUsage - before;
    };
    // The first cycle has no window yet for any object: five objects are queried along with the
    // windows in one request, the other three by the windows' verdict.
    expect(await calls("first")).toBeLessThanOrEqual(2);
    emu.advanceClock(60);
    expect(await calls("idle")).toBe(1);
    expect(await runObjects(db, tenantId, "idle")).toEqual([]);

    const contact = emulatorRows(emu, "Contact")[0]!;
    emu.updateRecord(contact.id, { Title: "Changed while idle" });
    const doomed = emulatorRows(emu, "Campaign")[0]!;
    emu.deleteRecord(doomed.id);
    emu.advanceClock(60);
    // One call for the windows of all eight objects, one for the queries of the two that changed.
    expect(await calls("busy")).toBe(2);
    const busy = await runObjects(db, tenantId, "busy");
    // A deleted Campaign takes its members (and its Opportunities' reference) with it: those changed too.
    const read = busy.map((o) => o.object);
    expect(read).toEqual(expect.arrayContaining(["Campaign", "Contact"]));
    for (const untouched of ["User", "Account", "Lead"]) expect(read).not.toContain(untouched);
    expect(busy.find((o) => o.object === "Contact")).toMatchObject({ updated: 1 });
    expect(busy.find((o) => o.object === "Campaign")).toMatchObject({ deleted: 1 });
    emu.advanceClock(60);
    expect(await calls("quiet")).toBe(1);
    expect(SYNC_OBJECTS).toHaveLength(8);
  });
});
