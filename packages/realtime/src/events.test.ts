import { describe, expect, it } from "vitest";
import { InvalidEventError, MAX_EVENT_BYTES, validateEvent } from "./events";

const progress = {
  tenantId: "tenant-a",
  runId: "run-1",
  object: "Account",
  phase: "writing" as const,
  total: 1000,
  processed: 250,
  created: 200,
  updated: 50,
  failed: 0,
  rate: 812.5,
  etaSeconds: 1,
  at: "2026-11-28T10:00:00.000Z",
};

describe("validateEvent", () => {
  it("accepts a well-formed payload addressed to its tenant", () => {
    expect(validateEvent("tenant-a", "sync.progress", progress)).toEqual(progress);
    expect(
      validateEvent("tenant-a", "support.access", {
        tenantId: "tenant-a",
        grantId: "g1",
        state: "started",
        staffName: "Sam Support",
        endsAt: "2026-11-28T11:00:00Z",
        at: "2026-11-28T10:00:00Z",
      }),
    ).toMatchObject({ state: "started" });
  });

  it("names every problem of a malformed payload", () => {
    const attempt = () => validateEvent("tenant-a", "sync.progress", { ...progress, processed: -1, phase: "dancing" as never, extra: 1 } as never);
    expect(attempt).toThrow(InvalidEventError);
    expect(attempt).toThrow(/Refused to emit "sync.progress": .*phase: .*processed: .*extra/);
  });

  it("refuses unknown events, bad tenant ids and payloads for another tenant", () => {
    expect(() => validateEvent("tenant-a", "chat.message" as never, {} as never)).toThrow(/unknown event; expected one of sync.progress/);
    expect(() => validateEvent("tenant a", "sync.status", { tenantId: "tenant a", state: "idle" })).toThrow(/tenantId argument/);
    expect(() => validateEvent("tenant-b", "sync.status", { tenantId: "tenant-a", state: "idle" })).toThrow(
      /payload.tenantId "tenant-a" differs from the target tenant "tenant-b"/,
    );
  });

  it("refuses payloads over the NOTIFY-safe size", () => {
    const notification = { id: "n1", tenantId: "tenant-a", kind: "sync_failed", title: "t".repeat(120), body: "b".repeat(500) };
    expect(validateEvent("tenant-a", "notification", notification)).toMatchObject({ id: "n1" });
    const long = { ...progress, runId: "r".repeat(64), object: "o".repeat(80) };
    expect(Buffer.byteLength(JSON.stringify(long))).toBeLessThan(MAX_EVENT_BYTES);
    const oversized = { ...notification, title: "é".repeat(120), body: "é".repeat(500) };
    expect(() => validateEvent("tenant-a", "notification", oversized)).toThrow(/bytes; the limit is 1024/);
  });
});
