import { describe, expect, it } from "vitest";
import { SYNC_ORDER } from "@ferry/services";
import { SYNC_OBJECTS } from "../src";

describe("the reading order the progress page lists", () => {
  it("is the engine's order", () => {
    expect([...SYNC_ORDER]).toEqual([...SYNC_OBJECTS]);
  });
});
