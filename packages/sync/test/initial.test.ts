import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runInitialSync, SYNC_OBJECTS } from "../src";
import type { SyncEmitter } from "../src/progress";
import { checksum, connect, emulatorRows, runObjects, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();
const LEADS = 50_000;

describe.each(backends)("initial sync on %s", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;

  beforeAll(async () => {
    emu = await startOrg({ counts: { ...(await import("./helpers")).SMALL_COUNTS, Lead: LEADS } });
    db = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("lands every object (Bulk for Leads, REST for the rest) with counts and checksums equal to the org's", { timeout: 300_000 }, async () => {
    const { tenantId } = await createTenantFixture(db);
    const events: { event: string; payload: unknown }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void events.push({ event, payload }) };
    const conn = await connect(emu);
    const started = Date.now();
    const outcome = await runInitialSync({ database: db, tenantId, runId: "run-initial", conn, emitter });
    const seconds = (Date.now() - started) / 1000;
    expect(outcome).toEqual({ outcome: "completed" });

    const objects = await runObjects(db, tenantId, "run-initial");
    for (const object of SYNC_OBJECTS) {
      const expected = emulatorRows(emu, object);
      const stored = await storedRows(db, tenantId, object);
      expect(stored.length, object).toBe(expected.length);
      expect(checksum(stored), object).toBe(checksum(expected));
      const counters = objects.find((o) => o.object === object)!;
      expect(counters).toMatchObject({ status: "succeeded", total: expected.length, processed: expected.length, created: expected.length });
      expect(counters.api_calls).toBeGreaterThan(0);
    }
    const leads = objects.find((o) => o.object === "Lead")!;
    // Bulk: count + baseline + create job + polls + 5 pages of 10,000; REST would need 25 pages.
    expect(leads.api_calls).toBeLessThan(20);
    const progress = events.filter((e) => e.event === "sync.progress");
    expect(progress.length).toBeGreaterThan(SYNC_OBJECTS.length);
    // One vocabulary with sync_runs.phase: each object is counted first, then read page by page.
    const payloads = progress.map((e) => e.payload as { object: string; phase: string; total: number | null; processed: number });
    for (const object of SYNC_OBJECTS) {
      const mine = payloads.filter((p) => p.object === object);
      expect(mine[0], object).toMatchObject({ phase: "counting", total: null, processed: 0 });
      expect(mine.at(-1), object).toMatchObject({ phase: "reading", total: emulatorRows(emu, object).length, processed: emulatorRows(emu, object).length });
    }
    for (const p of payloads) expect(["counting", "reading", "writing"]).toContain(p.phase);
    for (const e of events) expect(Buffer.byteLength(JSON.stringify(e.payload))).toBeLessThan(1024);
    console.log(`[${backend}] initial sync of ${LEADS} leads + small objects: ${seconds.toFixed(1)} s, ${Math.round(LEADS / seconds)} leads/s overall`);
  });
});
