import { describe, expect, it } from "vitest";
import { averageRate, formatDuration, startEta, updateEta } from "./eta";

describe("ETA smoothing", () => {
  it("starts from the first observed rate", () => {
    const s = updateEta(startEta(0, 0), { processed: 100, total: 1100, at: 1000, rate: 100 });
    expect(s.rate).toBe(100);
    expect(s.etaSeconds).toBe(10);
  });

  it("settles instead of jumping when the rate spikes for one event", () => {
    let s = startEta(0, 0);
    for (let t = 1; t <= 10; t++) s = updateEta(s, { processed: t * 100, total: 10_000, at: t * 1000, rate: 100 });
    const before = s.etaSeconds!;
    expect(before).toBeCloseTo(90, 0);
    s = updateEta(s, { processed: 2000, total: 10_000, at: 11_000, rate: 1000 });
    // The raw estimate would be 8 s; the shown ETA moves one bounded step from ~89 s.
    expect(s.etaSeconds!).toBeGreaterThan(70);
    expect(s.etaSeconds!).toBeLessThan(before);
    expect(s.rate!).toBeLessThan(300);
  });

  it("converges on a lasting change of pace", () => {
    let s = startEta(0, 0);
    for (let t = 1; t <= 5; t++) s = updateEta(s, { processed: t * 100, total: 100_000, at: t * 1000, rate: 100 });
    for (let t = 6; t <= 120; t++) s = updateEta(s, { processed: 500 + (t - 5) * 400, total: 100_000, at: t * 1000, rate: 400 });
    const remaining = 100_000 - (500 + 115 * 400);
    expect(s.rate!).toBeCloseTo(400, 0);
    expect(s.etaSeconds!).toBeCloseTo(remaining / 400, -1);
  });

  it("derives the rate from counters when the event carries none, and is zero when done", () => {
    let s = startEta(0, 0);
    s = updateEta(s, { processed: 50, total: 100, at: 1000 });
    expect(s.rate).toBe(50);
    s = updateEta(s, { processed: 100, total: 100, at: 2000 });
    expect(s.etaSeconds).toBe(0);
  });

  it("has no ETA without a total or a rate", () => {
    expect(updateEta(startEta(0, 0), { processed: 10, total: null, at: 1000, rate: 10 }).etaSeconds).toBeNull();
    expect(updateEta(startEta(0, 0), { processed: 0, total: 10, at: 1000, rate: 0 }).etaSeconds).toBeNull();
  });

  it("seeds a reloaded page from the committed average", () => {
    expect(averageRate(6000, 0, 60_000)).toBe(100);
    expect(averageRate(0, 0, 60_000)).toBeNull();
    const s = updateEta(startEta(6000, 60_000, 100), { processed: 6000, total: 12_000, at: 60_000 });
    expect(s.etaSeconds).toBe(60);
  });

  it("formats durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(42)).toBe("42s");
    expect(formatDuration(125)).toBe("2m 05s");
    expect(formatDuration(7380)).toBe("2h 03m");
  });
});
