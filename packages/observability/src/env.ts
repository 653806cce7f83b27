import type { z } from "zod";

export class EnvError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`Invalid environment:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "EnvError";
    this.problems = problems;
  }
}

type EnvSource = Record<string, string | undefined>;

/**
 * Validates environment variables against `schema` once, at boot. Every missing or malformed variable
 * is reported in a single error; values are never echoed, since they may be secrets.
 * Give fields a `.describe("what is expected")` to make the message say what to set.
 */
export function parseEnv<Schema extends z.ZodObject>(schema: Schema, source: EnvSource = process.env): z.output<Schema> {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const problems = new Map<string, string>();
  for (const issue of result.error.issues) {
    const key = String(issue.path[0] ?? "(root)");
    if (problems.has(key)) continue;
    const field = (schema.shape as Record<string, z.ZodType | undefined>)[key];
    const expected = field?.description ? `expected ${field.description}` : issue.message;
    const raw = source[key];
    const state = raw === undefined || raw === "" ? "is missing" : "is invalid";
    problems.set(key, `${key} ${state}: ${expected}`);
  }
  throw new EnvError([...problems.values()]);
}

/** Two logins in Postgres mode: the app's (fails closed under row-level security) and the platform's. */
export function databaseLoginProblems(env: { DATABASE_URL?: string | undefined; DATABASE_PLATFORM_URL?: string | undefined }): string[] {
  if (!env.DATABASE_URL) {
    return env.DATABASE_PLATFORM_URL ? ["DATABASE_PLATFORM_URL is set without DATABASE_URL: set both (Postgres mode) or neither (embedded database)"] : [];
  }
  if (!env.DATABASE_PLATFORM_URL) {
    return [
      "DATABASE_PLATFORM_URL is missing: expected the postgres:// URL of the login that owns the schema (migrations, platform work); DATABASE_URL is the unprivileged runtime login (see README, Postgres mode)",
    ];
  }
  const user = (url: string) => {
    try {
      return decodeURIComponent(new URL(url).username);
    } catch {
      return undefined;
    }
  };
  if (user(env.DATABASE_URL) === user(env.DATABASE_PLATFORM_URL)) {
    return ["DATABASE_URL and DATABASE_PLATFORM_URL use the same login: the runtime login must be a separate, unprivileged role (see README, Postgres mode)"];
  }
  return [];
}
