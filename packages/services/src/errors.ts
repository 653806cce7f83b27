/** Domain errors: thrown by services, mapped to transport errors in one place (the API adapter). */
export abstract class DomainError extends Error {
  abstract readonly kind: "not_found" | "forbidden" | "unauthorized" | "conflict" | "validation" | "limit_exceeded" | "salesforce";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class NotFoundError extends DomainError {
  readonly kind = "not_found" as const;
}
export class ForbiddenError extends DomainError {
  readonly kind = "forbidden" as const;
}
export class UnauthorizedError extends DomainError {
  readonly kind = "unauthorized" as const;
}
export class ConflictError extends DomainError {
  readonly kind = "conflict" as const;
}
export class ValidationError extends DomainError {
  readonly kind = "validation" as const;
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}
export class LimitExceededError extends DomainError {
  readonly kind = "limit_exceeded" as const;
}
/** A Salesforce failure, carrying Salesforce's own error code (e.g. INVALID_LOGIN). */
export class SalesforceError extends DomainError {
  readonly kind = "salesforce" as const;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
  /** Whether trying again later can help (Salesforce unavailable, a limit); a refusal of what was given cannot. */
  get retryable(): boolean {
    return false;
  }
}
