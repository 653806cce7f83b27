import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { isTrustedProxyEntry } from "@ferry/auth";
import { databaseLoginProblems, EnvError, parseEnv } from "@ferry/observability";
import { jobHeartbeatSecondsSetting, reconcileEverySecondsSetting } from "@ferry/jobs";
import { streamEnvShape } from "@ferry/sync";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

const flag = z.enum(["on", "off", "true", "false", "1", "0"]).transform((v) => v === "on" || v === "true" || v === "1");

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe("a TCP port number, e.g. 3000"),
  HOST: z.string().min(1).default("0.0.0.0").describe("the interface to listen on, e.g. 0.0.0.0 or 127.0.0.1"),
  PUBLIC_URL: z.url().optional().describe("the portal's public origin, e.g. https://ferry.example.com"),
  FERRY_ALLOWED_ORIGINS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url({ protocol: /^https?$/ }).refine(isOrigin, "must be an origin only (scheme, host and port, no path)")))
    .describe("comma-separated origins besides PUBLIC_URL that may send state-changing requests, e.g. https://admin.example.com"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional()
    .describe("a Postgres URL (postgres://user@host:5432/db) of the unprivileged runtime login; leave unset for the embedded database"),
  DATABASE_PLATFORM_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must start with postgres://")
    .optional()
    .describe("a Postgres URL of the privileged login that owns the schema (migrations and platform work); required with DATABASE_URL"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10).describe("connections to Postgres per process, 1 to 200"),
  FERRY_DATA_DIR: z.string().min(1).optional().describe("a directory for the embedded database and local secrets"),
  BETTER_AUTH_SECRET: z.string().min(32).optional().describe("a random string of at least 32 characters (required with DATABASE_URL)"),
  FERRY_MASTER_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/=]{43,44}$/, "must be 32 bytes in base64")
    .optional()
    .describe("32 random bytes in base64 (openssl rand -base64 32); required with DATABASE_URL"),
  SESSION_IDLE_SECONDS: z.coerce
    .number()
    .int()
    .min(5)
    .max(30 * 24 * 3600)
    .default(30 * 60)
    .describe("seconds, 5 or more"),
  SESSION_ABSOLUTE_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(90 * 24 * 3600)
    .default(12 * 3600)
    .describe("seconds, 60 or more"),
  WORKER_JOB_HEARTBEAT_SECONDS: jobHeartbeatSecondsSetting,
  SYNC_RECONCILE_EVERY_SECONDS: reconcileEverySecondsSetting,
  FERRY_WORKER: z.enum(["inprocess", "off"]).optional().describe("inprocess or off (default: inprocess when embedded, off with DATABASE_URL)"),
  FERRY_EMULATOR: flag.optional().describe("on or off: start the built-in Salesforce emulator (default on when embedded)"),
  FERRY_EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(3001).describe("a TCP port for the emulator, 0 for any"),
  FERRY_DEMO: flag.optional().describe("on or off: seed the demo tenant and users (default on when embedded)"),
  FERRY_SHOW_OUTBOX: flag.optional().describe("on or off: show the email outbox in the portal (default on when embedded)"),
  FERRY_SALESFORCE_LOGIN_URL: z.url().optional().describe("the production login host, default https://login.salesforce.com (or the built-in emulator)"),
  FERRY_SALESFORCE_SANDBOX_LOGIN_URL: z.url().optional().describe("the sandbox login host, default https://test.salesforce.com (or the built-in emulator)"),
  FERRY_SALESFORCE_LOGIN_HOSTS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((h) => h.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/)))
    .describe("comma-separated extra Salesforce login host names accepted as custom domains (exact, or *.example.com); their addresses are still checked"),
  FERRY_SALESFORCE_CLIENT_ID: z.string().min(1).optional().describe("the consumer key of Ferry's Salesforce connected app (enables OAuth)"),
  FERRY_SALESFORCE_CLIENT_SECRET: z.string().min(1).optional().describe("the consumer secret of Ferry's Salesforce connected app"),
  FERRY_SUPPORT_ACCESS_MAX_SECONDS: z.coerce
    .number()
    .int()
    .min(10)
    .max(3600)
    .default(3600)
    .describe("seconds a support access grant lasts at most, 10 to 3600 (an hour)"),
  FERRY_BOOTSTRAP_STAFF_EMAILS: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(z.array(z.email()))
    .describe("comma-separated emails that get the support staff role at sign-up or at boot"),
  FERRY_TRUSTED_PROXIES: z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().refine(isTrustedProxyEntry, "must be IP addresses or CIDR ranges")))
    .describe("comma-separated IP addresses or CIDR ranges of the proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info").describe("a pino level"),
  ...streamEnvShape,
  NODE_ENV: z.enum(["development", "production", "test"]).default("production"),
});

export type WebEnv = ReturnType<typeof loadEnv>;

export function loadEnv(source: Record<string, string | undefined> = process.env) {
  const env = parseEnv(schema, source);
  const embedded = !env.DATABASE_URL;
  const problems: string[] = [];
  if (!embedded && !env.BETTER_AUTH_SECRET)
    problems.push("BETTER_AUTH_SECRET is missing: expected a random string of at least 32 characters (required with DATABASE_URL)");
  if (!embedded && !env.FERRY_MASTER_KEY) problems.push("FERRY_MASTER_KEY is missing: expected 32 random bytes in base64 (required with DATABASE_URL)");
  problems.push(...databaseLoginProblems(env));
  if (problems.length > 0) throw new EnvError(problems);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/$/, "");
  return {
    ...env,
    embedded,
    dataDir: path.resolve(env.FERRY_DATA_DIR ?? path.join(repoRoot, ".data")),
    publicUrl,
    allowedOrigins: allowedOrigins(publicUrl, env.PUBLIC_URL === undefined, env.PORT, env.FERRY_ALLOWED_ORIGINS),
    worker: env.FERRY_WORKER ?? (embedded ? "inprocess" : "off"),
    emulator: env.FERRY_EMULATOR ?? embedded,
    demo: env.FERRY_DEMO ?? embedded,
    showOutbox: env.FERRY_SHOW_OUTBOX ?? embedded,
  };
}

function isOrigin(value: string): boolean {
  try {
    return new URL(value).origin === value.replace(/\/$/, "");
  } catch {
    return false;
  }
}

/**
 * Origins whose pages may send state-changing requests and open sockets: PUBLIC_URL and the
 * operator's alternates. Without PUBLIC_URL the portal answers on the loopback names too.
 */
function allowedOrigins(publicUrl: string, defaulted: boolean, port: number, alternates: string[]): string[] {
  const origins = [publicUrl, ...alternates].map((o) => new URL(o).origin);
  if (defaulted) origins.push(`http://127.0.0.1:${port}`, `http://[::1]:${port}`);
  return [...new Set(origins)];
}
