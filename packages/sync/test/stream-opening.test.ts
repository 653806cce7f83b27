import { describe, expect, it } from "vitest";
import { StreamManager, type StreamManagerOptions } from "../src";

/** A manager whose slots alone are exercised: nothing here touches the database or Salesforce. */
const manager = (openingAtOnce?: number) => new StreamManager({ openingAtOnce } as StreamManagerOptions);
const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe("opening change streams a few at a time", () => {
  it("lets at most `openingAtOnce` streams log in and subscribe together, and opens every one", async () => {
    const streams = manager(3);
    let inFlight = 0;
    let most = 0;
    const opened: number[] = [];
    await Promise.all(
      Array.from({ length: 40 }, (_, k) =>
        streams.openingSlot(async () => {
          inFlight++;
          most = Math.max(most, inFlight);
          await tick();
          inFlight--;
          opened.push(k);
        }),
      ),
    );
    expect(most).toBe(3);
    expect(opened.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, k) => k));
  });

  it("hands a failed opening's slot to the next stream", async () => {
    const streams = manager(1);
    const failing = streams.openingSlot(async () => {
      await tick();
      throw new Error("INVALID_LOGIN");
    });
    const next = streams.openingSlot(async () => "subscribed");
    await expect(failing).rejects.toThrow("INVALID_LOGIN");
    await expect(next).resolves.toBe("subscribed");
  });

  it("opens 16 at a time by default", async () => {
    const streams = manager();
    let inFlight = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        streams.openingSlot(async () => {
          most = Math.max(most, ++inFlight);
          await tick();
          inFlight--;
        }),
      ),
    );
    expect(most).toBe(16);
  });
});
