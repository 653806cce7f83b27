import { SalesforceError } from "@ferry/services";

/**
 * What Salesforce, or the way to it, answered: Ferry's typed SalesforceError (Salesforce's own
 * code, a message that says what to fix) plus what a caller decides on, never the message text:
 * the HTTP status of an API answer (0 when there was none), whether the credentials themselves
 * were refused, and whether a retry can help. The engine and the connect flow throw this one class.
 */
export class SalesforceClientError extends SalesforceError {
  constructor(
    code: string,
    message: string,
    readonly options: { cause?: unknown; authFailure?: boolean; retryable?: boolean; status?: number } = {},
  ) {
    super(code, message, { cause: options.cause });
  }
  /** The HTTP status Salesforce answered with; 0 for an answer that was not an HTTP error (a failed job, a malformed value). */
  get status(): number {
    return this.options.status ?? 0;
  }
  /** The credentials themselves were refused (counts towards the login-failure stop). */
  get authFailure(): boolean {
    return this.options.authFailure ?? false;
  }
  override get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}

/** Credentials no longer work (refresh failed, password changed): the tenant's sync stops as Failed. */
export class CredentialsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "CredentialsError";
  }
}

/** The tenant's share of the org's daily API budget is used up; work waits until `resumesAt`. */
export class ApiCapReachedError extends Error {
  constructor(
    readonly used: number,
    readonly cap: number,
    readonly limit: number,
    readonly resumesAt: Date,
  ) {
    super(`API cap reached — resumes at ${resumesAt.toISOString()}`);
    this.name = "ApiCapReachedError";
  }
}

/**
 * Salesforce itself refused with REQUEST_LIMIT_EXCEEDED: the org's own 24 h API limit (shared with
 * every integration of the org), not Ferry's cap for the tenant. Work waits until `resumesAt`.
 */
export class OrgApiLimitError extends Error {
  constructor(
    readonly used: number | undefined,
    readonly limit: number | undefined,
    readonly resumesAt: Date,
  ) {
    super(`Salesforce org API limit reached — resumes at ${resumesAt.toISOString()}`);
    this.name = "OrgApiLimitError";
  }
}

export class RunAbortedError extends Error {
  constructor() {
    super("The sync run was aborted; it resumes from its last checkpoint");
    this.name = "RunAbortedError";
  }
}
