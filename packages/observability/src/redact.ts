import { stdSerializers } from "pino";

export const REDACTED = "[redacted]";

// Keys are compared without case, "_" or "-", so accessToken, access_token and ACCESS-TOKEN all match.
const secretKeys = new Set([
  "password",
  "passwd",
  "securitytoken",
  "token",
  "accesstoken",
  "refreshtoken",
  "idtoken",
  "sessiontoken",
  "clientsecret",
  "secret",
  "apikey",
  "masterkey",
  "privatekey",
  "authorization",
  "proxyauthorization",
  "cookie",
  "setcookie",
]);

const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, "");

export function isSecretKey(key: string): boolean {
  return secretKeys.has(normalise(key));
}

const maxDepth = 10;

// Drizzle's DrizzleQueryError puts every bound value of a failed statement into its message (and so
// its stack) and a `params` property; a failed write of a login would log the password with it.
const queryParams = /(\nparams: )[\s\S]*?(?=\n\s+at |$)/;

function redactQueryParams(text: string): string {
  return text.includes("Failed query:") ? text.replace(queryParams, `$1${REDACTED}`) : text;
}

/**
 * Copies `value`, replacing the value of every secret-looking key at any depth.
 * Errors are first turned into pino's serialised shape so their extra properties are covered too.
 */
export function redactSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === "string") return redactQueryParams(value);
  if (value === null || typeof value !== "object") return value;
  if (value instanceof Date) return value;
  if (depth >= maxDepth) return "[too deep]";
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (value instanceof Error) {
    return redactSecrets({ ...stdSerializers.err(value) }, depth, seen);
  }
  if (Array.isArray(value)) {
    return value.map((item) => redactSecrets(item, depth + 1, seen));
  }
  if (value instanceof Map) {
    return redactSecrets(Object.fromEntries(value), depth, seen);
  }
  const copy: Record<string, unknown> = {};
  const isFailedQuery = "query" in value && "params" in value;
  for (const [key, inner] of Object.entries(value)) {
    copy[key] = isSecretKey(key) || (isFailedQuery && key === "params") ? REDACTED : redactSecrets(inner, depth + 1, seen);
  }
  return copy;
}
