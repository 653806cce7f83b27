import { describe, expect, it } from "vitest";
import { canonicalId, checksumSuffix, makeId } from "../src/ids";

describe("record ids", () => {
  it("computes the case-safe checksum suffix (published vectors)", () => {
    expect(checksumSuffix("a0RE000000IJmcN")).toBe("MAT");
    expect(checksumSuffix("001M000000qfPyS")).toBe("IAU");
    expect(checksumSuffix("AbCdEfGhIjKlMnO")).toBe("VKV");
    expect(checksumSuffix("aBcDEfgHIJKLMNO")).toBe("025");
    expect(checksumSuffix("aaaaaaaaaaaaaaa")).toBe("AAA");
  });

  it("ids grow with the counter in string order, and 15/18-char forms of any case normalise", () => {
    const ids = [1, 61, 62, 3843, 3844, 1_000_000].map((n) => makeId("00Q", n));
    expect([...ids].sort()).toEqual(ids);
    const id = makeId("001", 123_456);
    expect(canonicalId(id.slice(0, 15))).toBe(id);
    expect(canonicalId(id.toLowerCase())).toBe(id);
    expect(canonicalId("not-an-id")).toBeUndefined();
  });
});
