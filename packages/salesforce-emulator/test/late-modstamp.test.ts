import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmulatorHandle } from "../src/index";
import { soapLogin, start } from "./helpers";

let emu: EmulatorHandle;
beforeAll(async () => {
  emu = await start();
});
afterAll(() => emu.stop());

const epoch = (s: string) => Date.parse(s.replace("+0000", "Z"));
const literal = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

describe("late SystemModstamp", () => {
  it("stamps a share of writes before the moment they become visible, so only a lookback finds them", async () => {
    const conn = await soapLogin(emu);
    emu.setLateModstamp(1, 30);
    emu.advanceClock(60);
    const visibleAt = epoch(emu.now());
    const created = (await conn.sobject("Lead").create({ LastName: "Late", Company: "Slow Commit" })) as { id: string };
    const rec = await conn.sobject("Lead").retrieve(created.id);
    const stamp = epoch(rec.SystemModstamp as string);
    expect(stamp).toBeLessThan(visibleAt);
    expect(stamp).toBeGreaterThanOrEqual(visibleAt - 31_000);
    expect(rec.LastModifiedDate).toBe(rec.SystemModstamp);
    // A sync whose watermark reached "now" just before the write does not see it without a lookback.
    const naive = await conn.query(`SELECT Id FROM Lead WHERE SystemModstamp > ${literal(visibleAt - 1000)}`);
    expect(naive.records.map((r) => r.Id)).not.toContain(created.id);
    const lookback = await conn.query(`SELECT Id FROM Lead WHERE SystemModstamp > ${literal(visibleAt - 60_000)}`);
    expect(lookback.records.map((r) => r.Id)).toContain(created.id);

    // An update is never stamped before the record's previous stamp.
    emu.setLateModstamp(1, 3600);
    await conn.sobject("Lead").update({ Id: created.id, Title: "Again" });
    const again = await conn.sobject("Lead").retrieve(created.id);
    expect(epoch(again.SystemModstamp as string)).toBeGreaterThanOrEqual(stamp);

    emu.setLateModstamp(0, 1);
    const onTime = (await conn.sobject("Lead").create({ LastName: "OnTime", Company: "Fast" })) as { id: string };
    const fresh = await conn.sobject("Lead").retrieve(onTime.id);
    expect(epoch(fresh.SystemModstamp as string)).toBeGreaterThanOrEqual(epoch(emu.now()) - 1000);
  });
});
