/** The database's own error under the wrappers drizzle puts around it: its SQLSTATE and message. */
function databaseError(error: unknown): { code: string; message: string } | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return { code, message: e instanceof Error ? e.message : String(e) };
  }
  return undefined;
}

/** The SQLSTATE of a database error, looking through the wrappers drizzle puts around it. */
export function pgErrorCode(error: unknown): string | undefined {
  return databaseError(error)?.code;
}

/** The message the database itself gave (not drizzle's "Failed query: …" around it). */
export function pgErrorMessage(error: unknown): string | undefined {
  return databaseError(error)?.message;
}

/** The message of an error and of every cause under it, for logs and test assertions. */
export function errorChainText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(e instanceof Error ? e.message : String(e));
  }
  return parts.join(" <- ");
}
