/** Errors the engine decides on by code, never by message text. */
export class SalesforceApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = "SalesforceApiError";
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
