import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ProgressReporter, type SyncEmitter } from "../src/progress";

describe("progress events", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("reach viewers at least once a second while pages commit less often, and stop when told", async () => {
    const sent: { at: number; phase: string; processed: number }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, _e, payload) => void sent.push({ ...(payload as { phase: string; processed: number }), at: Date.now() }) };
    const progress = new ProgressReporter(emitter, "tenant-a", "run-1");
    progress.start();
    await vi.advanceTimersByTimeAsync(300);
    // A page committed every 1.9 s: between commits the reporter re-sends what is committed.
    for (let page = 1; page <= 10; page++) {
      progress.update({ object: "Lead", phase: "reading", total: 20_000, processed: page * 2_000, created: page * 2_000, updated: 0, failed: 0 });
      progress.setPhase("writing");
      await vi.advanceTimersByTimeAsync(1_900);
    }
    const gaps = sent.slice(1).map((s, k) => s.at - sent[k]!.at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_000);
    expect(sent.at(-1)).toMatchObject({ phase: "writing", processed: 20_000 });
    progress.stop();
    const count = sent.length;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(sent).toHaveLength(count);
  });

  it("sends a commit that came inside the 200 ms interval when the interval ends, not with the next re-send", async () => {
    const sent: { at: number; processed: number }[] = [];
    const emitter: SyncEmitter = {
      emit: async (_t, _e, payload) => void sent.push({ processed: (payload as { processed: number }).processed, at: Date.now() }),
    };
    const progress = new ProgressReporter(emitter, "tenant-a", "run-1");
    progress.start();
    const commit = (processed: number) =>
      progress.update({ object: "Lead", phase: "reading", total: 20_000, processed, created: processed, updated: 0, failed: 0 });
    const t0 = Date.now();
    commit(5_000); // sent at once
    await vi.advanceTimersByTimeAsync(100);
    commit(10_000); // inside the interval: due at 200 ms
    await vi.advanceTimersByTimeAsync(50);
    commit(15_000); // still inside: the same send carries the newest count
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sent.slice(0, 2).map((s) => [s.processed, s.at - t0])).toEqual([
      [5_000, 0],
      [15_000, 200],
    ]);
    // Afterwards only the once-a-second re-send of the same state.
    expect(sent.slice(2).every((s) => s.processed === 15_000 && s.at - t0 >= 1_000)).toBe(true);
    progress.stop();
  });
});
