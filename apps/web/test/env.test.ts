import { describe, expect, it } from "vitest";
import { EnvError } from "@ferry/observability";
import { loadEnv } from "../src/server/env";

describe("FERRY_TRUSTED_PROXIES", () => {
  it("is a list of addresses and CIDR ranges, empty by default", () => {
    expect(loadEnv({}).FERRY_TRUSTED_PROXIES).toEqual([]);
    expect(loadEnv({ FERRY_TRUSTED_PROXIES: " 10.0.0.0/8, 127.0.0.1,fd00::/8 " }).FERRY_TRUSTED_PROXIES).toEqual(["10.0.0.0/8", "127.0.0.1", "fd00::/8"]);
  });

  it("stops the boot naming the variable for anything else", () => {
    for (const bad of ["localhost", "10.0.0.0/40", "*"]) {
      let error: unknown;
      try {
        loadEnv({ FERRY_TRUSTED_PROXIES: bad });
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(EnvError);
      expect(String((error as Error).message), bad).toMatch(/FERRY_TRUSTED_PROXIES/);
    }
  });
});
