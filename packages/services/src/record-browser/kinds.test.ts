import { describe, expect, it } from "vitest";
import { nextPrefix } from "./kinds";

describe("nextPrefix: the first key past a search prefix, in code point order", () => {
  it("raises the last character", () => {
    expect(nextPrefix("ada")).toBe("adb");
    expect(nextPrefix("zo\u00e9")).toBe("zo\u00ea");
  });

  it("raises U+FFFF to U+10000 instead of wrapping to U+0000", () => {
    expect(nextPrefix("a\uffff")).toBe("a\u{10000}");
  });

  it("raises an astral character whole, never splitting its surrogate pair", () => {
    expect(nextPrefix("x\u{1F600}")).toBe("x\u{1F601}");
    expect(nextPrefix("x\u{103FF}")).toBe("x\u{10400}");
  });

  it("steps over the surrogate range and past U+10FFFF", () => {
    expect(nextPrefix("a\ud7ff")).toBe("a\ue000");
    expect(nextPrefix("a\u{10FFFF}")).toBe("b");
    expect(nextPrefix("\u{10FFFF}\u{10FFFF}")).toBeUndefined();
  });
});
