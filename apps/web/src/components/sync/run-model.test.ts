import { describe, expect, it } from "vitest";
import { applyProgress, applyStatus, badgeOf, liveObjects, mergeFetched, overall, type CurrentRun, type RunRow } from "./run-model";

const T0 = new Date("2026-12-04T10:00:00Z");

function row(object: string, total: number | null, processed: number, status: RunRow["status"] = "in_progress"): RunRow {
  return {
    object,
    operation: "pull_updates",
    status,
    total,
    processed,
    created: processed,
    updated: 0,
    deleted: 0,
    failed: 0,
    skipped: 0,
    startedAt: T0,
    finishedAt: null,
  };
}

function current(
  id: string,
  kind: "initial" | "incremental" | "reconcile",
  objects: RunRow[],
  pending: string[],
  state: "running" | "idle" = "running",
): CurrentRun {
  return {
    run: { id, kind, status: "in_progress", phase: "reading", error: null, errorCode: null, apiCalls: 3, resumesAt: null, startedAt: T0, finishedAt: null },
    objects,
    pending,
    connectionState: "syncing",
    sync: { state, message: null, lastSyncedAt: kind === "initial" ? null : T0, resumesAt: null },
    initialRun: { id: kind === "initial" ? id : "first", status: kind === "initial" ? "in_progress" : "succeeded", startedAt: T0, finishedAt: null },
    at: T0.toISOString(),
  };
}

const event = (runId: string, object: string, processed: number, total: number | null) => ({
  tenantId: "t1",
  runId,
  object,
  phase: "reading" as const,
  total,
  processed,
  created: processed,
  updated: 0,
  failed: 0,
  rate: 100,
  etaSeconds: null,
  at: new Date(T0.getTime() + processed).toISOString(),
});

describe("the run store's model", () => {
  it("lists every object of the plan from the start and shows no percentage until all are counted", () => {
    const data = current("r1", "initial", [row("User", 10, 10, "succeeded"), row("Account", 100, 20)], ["Contact", "Lead"]);
    expect(liveObjects(data).map((o) => [o.object, o.status])).toEqual([
      ["User", "succeeded"],
      ["Account", "in_progress"],
      ["Contact", "pending"],
      ["Lead", "pending"],
    ]);
    // 10 + 20 read, but Contact and Lead are not counted: a percentage of 110 would later fall back.
    expect(overall(data)).toMatchObject({ percent: null, processed: 30, total: null, etaSeconds: null });
  });

  it("shows an object the engine has only counted as queued, and moving once its rows come", () => {
    let data = current("r0", "initial", [], ["User", "Lead"]);
    data = applyProgress(data, { ...event("r0", "User", 0, 10), phase: "counting" as const });
    data = applyProgress(data, { ...event("r0", "Lead", 0, 5000), phase: "counting" as const });
    expect(liveObjects(data).map((o) => [o.object, o.status])).toEqual([
      ["User", "queued"],
      ["Lead", "queued"],
    ]);
    data = applyProgress(data, event("r0", "User", 4, 10));
    expect(liveObjects(data).map((o) => [o.object, o.status])).toEqual([
      ["User", "in_progress"],
      ["Lead", "queued"],
    ]);
    data = applyProgress(data, event("r0", "User", 10, 10));
    data = applyProgress(data, event("r0", "Lead", 2000, 5000));
    // Lead moving means User, with all its rows, has finished: one object moves at a time.
    expect(liveObjects(data).map((o) => [o.object, o.status])).toEqual([
      ["User", "succeeded"],
      ["Lead", "in_progress"],
    ]);
  });

  it("never moves the overall figure back, from events, late reads or a growing count", () => {
    let data = current("r2", "initial", [row("User", 100, 50), row("Account", 100, 0)], []);
    const seen: number[] = [];
    seen.push(overall(data).percent!); // 25
    data = applyProgress(data, event("r2", "User", 100, 100));
    seen.push(overall(data).percent!); // 50
    // A read sent before that event lands after it.
    data = mergeFetched(data, current("r2", "initial", [row("User", 100, 60), row("Account", 100, 0)], []));
    seen.push(overall(data).percent!);
    // Salesforce gained records mid-run: the count grows, the figure holds.
    data = applyProgress(data, event("r2", "Account", 10, 300));
    seen.push(overall(data).percent!);
    data = applyProgress(data, event("r2", "Account", 300, 300));
    seen.push(overall(data).percent!);
    expect(seen).toEqual([25, 50, 50, 50, 100]);
  });

  it("ends the run in the same update that says the sync finished", () => {
    const data = current("r3", "initial", [row("User", 10, 10)], []);
    const ended = applyStatus(data, { tenantId: "t1", state: "idle", lastSyncedAt: "2026-12-04T10:05:00Z" });
    expect(ended.run?.status).toBe("succeeded");
    expect(ended.initialRun?.status).toBe("succeeded");
    expect(badgeOf(ended)).toMatchObject({ state: "idle" });
    // A read answered before the end cannot bring the run back.
    const late = mergeFetched(ended, data);
    expect([late.run?.status, late.objects[0]!.status, late.initialRun?.status, badgeOf(late).state]).toEqual(["succeeded", "succeeded", "succeeded", "idle"]);
  });

  it("keeps Last Synced with a checking mark during a reconciliation and an incremental cycle with no changes", () => {
    expect(badgeOf(current("r4", "reconcile", [row("Account", null, 0)], []))).toMatchObject({ state: "idle", checking: true });
    const quiet = current("r5", "incremental", [{ ...row("Account", null, 0), created: 0 }], []);
    expect(badgeOf(quiet)).toMatchObject({ state: "idle", checking: true });
    const changing = current("r6", "incremental", [{ ...row("Account", null, 4), created: 4 }], []);
    expect(badgeOf(changing)).toMatchObject({ state: "running" });
    expect(badgeOf(current("r7", "initial", [row("User", 10, 5)], []))).toMatchObject({ state: "running", percent: 50 });
    // The next run's status arrives before this tab has read the run: still Last Synced, checking.
    const done = applyStatus(current("r8", "initial", [row("User", 10, 10)], []), { tenantId: "t1", state: "idle", lastSyncedAt: "2026-12-04T10:05:00Z" });
    const next = applyStatus(done, { tenantId: "t1", state: "running" });
    expect(badgeOf(next)).toMatchObject({ state: "idle", checking: true });
  });
});
