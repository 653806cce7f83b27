import { describe, expect, it } from "vitest";
import { z } from "zod";
import { databaseLoginProblems, EnvError, parseEnv } from "./env";

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//)
    .describe("a postgres:// connection URL"),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000).describe("a TCP port (1-65535)"),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).optional(),
  MASTER_KEY: z.string().min(32).describe("at least 32 characters of key material"),
});

describe("parseEnv", () => {
  it("returns typed, defaulted values", () => {
    const env = parseEnv(schema, { DATABASE_URL: "postgres://db/ferry", MASTER_KEY: "k".repeat(32) });
    expect(env).toEqual({ DATABASE_URL: "postgres://db/ferry", PORT: 3000, MASTER_KEY: "k".repeat(32) });
  });

  it("lists every bad or missing variable in one error without echoing values", () => {
    const secretValue = "short-secret";
    let caught: unknown;
    try {
      parseEnv(schema, { PORT: "99999", LOG_LEVEL: "loud", MASTER_KEY: secretValue });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const error = caught as EnvError;
    expect(error.problems).toHaveLength(4);
    expect(error.message).toContain("DATABASE_URL is missing: expected a postgres:// connection URL");
    expect(error.message).toContain("PORT is invalid: expected a TCP port (1-65535)");
    expect(error.message).toMatch(/LOG_LEVEL is invalid: .*"debug"/);
    expect(error.message).toContain("MASTER_KEY is invalid: expected at least 32 characters of key material");
    expect(error.message).not.toContain(secretValue);
  });

  it("wants two different logins in Postgres mode: the runtime one and the platform one", () => {
    expect(databaseLoginProblems({})).toEqual([]);
    expect(
      databaseLoginProblems({ DATABASE_URL: "postgres://ferry_runtime:pw@db/ferry", DATABASE_PLATFORM_URL: "postgres://ferry_owner:pw@db/ferry" }),
    ).toEqual([]);
    expect(databaseLoginProblems({ DATABASE_URL: "postgres://ferry_runtime@db/ferry" })).toEqual([
      expect.stringMatching(/^DATABASE_PLATFORM_URL is missing: .*owns the schema/),
    ]);
    expect(databaseLoginProblems({ DATABASE_PLATFORM_URL: "postgres://ferry_owner@db/ferry" })).toEqual([expect.stringMatching(/set both .* or neither/)]);
    expect(databaseLoginProblems({ DATABASE_URL: "postgres://postgres:a@db/ferry", DATABASE_PLATFORM_URL: "postgres://postgres:b@db/ferry" })).toEqual([
      expect.stringMatching(/use the same login: the runtime login must be a separate, unprivileged role/),
    ]);
  });
});
