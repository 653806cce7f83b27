import { ValidationError } from "../errors";

/** The longest a support access grant may last; deployments may configure a lower ceiling, never a higher one. */
export const SUPPORT_ACCESS_MAX_SECONDS = 3600;
export const SUPPORT_REASON_MIN_LENGTH = 10;

export function checkReason(reason: string, what: string): string {
  const trimmed = reason.trim();
  if (trimmed.length < SUPPORT_REASON_MIN_LENGTH) {
    throw new ValidationError(
      `${what} needs a reason of at least ${SUPPORT_REASON_MIN_LENGTH} characters (what the customer asked for, or the ticket's subject).`,
      "reason",
    );
  }
  return trimmed;
}
