import { TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@ferry/api";

export interface ErrorInfo {
  /** The message to show above a form or in an alert. */
  message: string;
  /** Per-field messages keyed by input path (e.g. "email"), from the server's zod issues. */
  fields: Record<string, string>;
  code: string | undefined;
}

const GENERIC = "Something went wrong. Try again in a moment.";

/** Turns a tRPC (or network) error into text a person can act on. */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof TRPCClientError) {
    const data = (error as TRPCClientError<AppRouter>).data as { code?: string; zodIssues?: { path: string; message: string }[] } | undefined;
    const fields: Record<string, string> = {};
    for (const issue of data?.zodIssues ?? []) {
      if (!(issue.path in fields)) fields[issue.path] = issue.message;
    }
    const hasFields = Object.keys(fields).length > 0;
    // Input validation failures carry a JSON dump as message; the field messages say it better.
    const message = hasFields ? "Check the highlighted fields." : error.message || GENERIC;
    if (!data && /fetch|network/i.test(error.message)) {
      return { message: "Ferry could not be reached. Check your connection and try again.", fields, code: undefined };
    }
    return { message, fields, code: data?.code };
  }
  if (error instanceof Error && error.message) return { message: error.message, fields: {}, code: undefined };
  return { message: GENERIC, fields: {}, code: undefined };
}

export function errorCode(error: unknown): string | undefined {
  if (error instanceof TRPCClientError) return (error.data as { code?: string } | undefined)?.code;
  return undefined;
}
