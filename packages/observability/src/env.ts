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
export function parseEnv<Schema extends z.ZodObject>(
  schema: Schema,
  source: EnvSource = process.env,
): z.output<Schema> {
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
