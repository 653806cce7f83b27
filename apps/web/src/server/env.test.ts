import { describe, expect, it } from "vitest";
import { EnvError } from "@ferry/observability";
import { loadEnv } from "./env";

describe("allowed origins for state-changing requests", () => {
  it("is PUBLIC_URL's origin plus FERRY_ALLOWED_ORIGINS", () => {
    const env = loadEnv({ PUBLIC_URL: "https://ferry.example.com/", FERRY_ALLOWED_ORIGINS: "https://admin.example.com, http://10.0.0.5:8080" });
    expect(env.allowedOrigins).toEqual(["https://ferry.example.com", "https://admin.example.com", "http://10.0.0.5:8080"]);
  });

  it("adds the loopback names only while PUBLIC_URL is left to its default", () => {
    expect(loadEnv({ PORT: "3000" }).allowedOrigins).toEqual(["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"]);
    expect(loadEnv({ PORT: "3000", PUBLIC_URL: "http://localhost:3000" }).allowedOrigins).toEqual(["http://localhost:3000"]);
  });

  it("refuses an alternate that is not an origin, saying what is expected", () => {
    for (const bad of ["https://admin.example.com/path", "ftp://files.example.com", "not a url"]) {
      const error = (() => {
        try {
          loadEnv({ FERRY_ALLOWED_ORIGINS: bad });
        } catch (e) {
          return e;
        }
      })();
      expect(error, bad).toBeInstanceOf(EnvError);
      expect((error as Error).message).toMatch(/FERRY_ALLOWED_ORIGINS/);
    }
  });
});

describe("SYNC_RECONCILE_EVERY_SECONDS", () => {
  it("defaults to a day and accepts a period of a minute or more", () => {
    expect(loadEnv({}).SYNC_RECONCILE_EVERY_SECONDS).toBe(86_400);
    expect(loadEnv({ SYNC_RECONCILE_EVERY_SECONDS: "60" }).SYNC_RECONCILE_EVERY_SECONDS).toBe(60);
    expect(loadEnv({ SYNC_RECONCILE_EVERY_SECONDS: "3600" }).SYNC_RECONCILE_EVERY_SECONDS).toBe(3600);
  });

  it("refuses a period under a minute or not a whole number of seconds, saying what is expected", () => {
    for (const bad of ["59", "0", "-60", "90.5", "daily"]) {
      const error = (() => {
        try {
          loadEnv({ SYNC_RECONCILE_EVERY_SECONDS: bad });
        } catch (e) {
          return e;
        }
      })();
      expect(error, bad).toBeInstanceOf(EnvError);
      expect((error as Error).message, bad).toMatch(/SYNC_RECONCILE_EVERY_SECONDS.*seconds from 60 to 2592000/);
    }
  });
});
