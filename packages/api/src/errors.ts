import { TRPCError } from "@trpc/server";
import { DomainError, SalesforceError } from "@ferry/services";

const codes = {
  not_found: "NOT_FOUND",
  forbidden: "FORBIDDEN",
  unauthorized: "UNAUTHORIZED",
  conflict: "CONFLICT",
  validation: "BAD_REQUEST",
  limit_exceeded: "TOO_MANY_REQUESTS",
  salesforce: "UNPROCESSABLE_CONTENT",
} as const;

/** The one place domain errors become transport errors; anything unknown becomes a generic message. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) return error;
  if (error instanceof SalesforceError) {
    // Salesforce refusing what the person gave (a wrong password, an expired authorization) is theirs to fix: 422.
    // Only a failure a retry can cure (Salesforce down or unreachable, a rate limit) is the upstream's: 502.
    return new TRPCError({ code: error.retryable ? "BAD_GATEWAY" : "UNPROCESSABLE_CONTENT", message: error.message, cause: error });
  }
  if (error instanceof DomainError) return new TRPCError({ code: codes[error.kind], message: error.message, cause: error });
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: "Something went wrong on our side. Try again; if it persists, contact support.",
    cause: error,
  });
}
