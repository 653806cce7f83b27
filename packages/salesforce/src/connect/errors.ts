import { egressRefusal } from "./egress";
import { SalesforceClientError } from "../errors";

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_SOCKET",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
]);

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof TypeError && error.message === "fetch failed") return "FETCH_FAILED";
  return undefined;
}

const TOKEN_HINT =
  "If you don't have the security token, log in to Salesforce as the sync user, open Settings > My Personal Information > Reset My Security Token; Salesforce emails a new one.";

/** Salesforce code → what the admin should do. Codes come from SOAP faults, REST error arrays and OAuth errors. */
export function explain(
  code: string,
  salesforceMessage: string,
  context: { loginUrl?: string } = {},
): { message: string; authFailure: boolean; retryable: boolean } {
  switch (code) {
    case "INVALID_LOGIN":
      return {
        message: `Salesforce refused the login${context.loginUrl ? ` at ${context.loginUrl}` : ""}: the username, the password or the security token is wrong (Salesforce does not say which), or the user is locked out. Check the password, paste the security token exactly, and make sure the Sandbox box matches the org. ${TOKEN_HINT}`,
        authFailure: true,
        retryable: false,
      };
    case "LOGIN_MUST_USE_SECURITY_TOKEN":
      return { message: `Salesforce needs the security token after the password. ${TOKEN_HINT}`, authFailure: true, retryable: false };
    case "PASSWORD_LOCKOUT":
    case "USER_LOCKED_OUT":
      return {
        message: "The sync user is locked out in Salesforce. An administrator can unlock it under Setup > Users; then enter the credentials again.",
        authFailure: true,
        retryable: false,
      };
    case "PASSWORD_EXPIRED":
      return {
        message:
          "The sync user's password has expired. Log in to Salesforce as the sync user, set a new password, then enter it here (with the new security token Salesforce emails).",
        authFailure: true,
        retryable: false,
      };
    case "API_DISABLED_FOR_ORG":
    case "API_CURRENTLY_DISABLED":
    case "API_DISABLED_FOR_USER":
      return {
        message:
          'The API is disabled for this user or org. Give the sync user\'s profile or a permission set the "API Enabled" permission (Enterprise, Unlimited or Developer edition needed), then try again.',
        authFailure: true,
        retryable: false,
      };
    case "INVALID_OPERATION_WITH_EXPIRED_PASSWORD":
      return { message: "The sync user's password has expired. Set a new one in Salesforce, then enter it here.", authFailure: true, retryable: false };
    case "LOGIN_RATE_EXCEEDED":
    case "REQUEST_LIMIT_EXCEEDED":
      return {
        message: "Salesforce is refusing more requests for now (rate or daily API limit). Wait and try again later.",
        authFailure: false,
        retryable: true,
      };
    case "invalid_grant":
      return {
        message: `Salesforce no longer accepts Ferry's authorization (${salesforceMessage}). Click "Log in to Salesforce" again to renew it.`,
        authFailure: true,
        retryable: false,
      };
    case "invalid_client_id":
    case "invalid_client":
      return {
        message: "Salesforce does not recognise Ferry's connected app (client id or secret). Ask your Ferry operator to check the OAuth client settings.",
        authFailure: true,
        retryable: false,
      };
    case "access_denied":
      return { message: 'You denied Ferry access in Salesforce. Click "Log in to Salesforce" again and choose Allow.', authFailure: false, retryable: false };
    case "INVALID_SESSION_ID":
      return { message: "The Salesforce session expired and could not be renewed; validate the credentials again.", authFailure: false, retryable: true };
    case "UNREACHABLE_HOST":
      return {
        message: `Ferry could not reach the Salesforce login host${context.loginUrl ? ` ${context.loginUrl}` : ""}. Check the custom domain (or the Sandbox checkbox) and that the host is online.`,
        authFailure: false,
        retryable: true,
      };
    case "UNSUPPORTED_API_VERSION":
      return { message: "This Salesforce login host does not support Ferry's API version; use OAuth instead.", authFailure: false, retryable: false };
    case "SERVER_UNAVAILABLE":
    case "UNKNOWN_EXCEPTION":
      return { message: `Salesforce had a temporary problem (${salesforceMessage}). Try again in a minute.`, authFailure: false, retryable: true };
    default:
      return { message: `Salesforce answered: ${salesforceMessage}`, authFailure: false, retryable: false };
  }
}

/** Any error from jsforce, fetch or the token endpoint, as a SalesforceClientError. */
export function translateSalesforceError(error: unknown, context: { loginUrl?: string } = {}): SalesforceClientError {
  if (error instanceof SalesforceClientError) return error;
  const refused = egressRefusal(error);
  if (refused) {
    // What the admin typed points inside this network: theirs to fix, never worth a retry.
    return new SalesforceClientError(
      "LOGIN_HOST_REFUSED",
      `${refused.message} Enter your org's My Domain (like acme.my.salesforce.com) or leave the custom domain empty.`,
      { cause: error, retryable: false },
    );
  }
  if (networkCode(error)) {
    const e = explain("UNREACHABLE_HOST", "", context);
    return new SalesforceClientError("UNREACHABLE_HOST", e.message, { cause: error, ...e });
  }
  const err = error as { name?: unknown; errorCode?: unknown; message?: unknown };
  const rawMessage = typeof err.message === "string" ? err.message : String(error);
  let code: string | undefined = typeof err.errorCode === "string" ? err.errorCode : undefined;
  const message = rawMessage;
  // jsforce turns OAuth errors into Error(name=error, message=error_description).
  if (!code && typeof err.name === "string" && /^[a-z_]+$/.test(err.name)) code = err.name;
  if (typeof err.name === "string" && /^ERROR_HTTP_5\d\d$/.test(err.name)) code = "SERVER_UNAVAILABLE";
  code ??= "UNKNOWN";
  const e = explain(code, message, context);
  return new SalesforceClientError(code, e.message, { cause: error, authFailure: e.authFailure, retryable: e.retryable });
}
