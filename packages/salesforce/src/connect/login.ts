import jsforce, { type Connection } from "jsforce";
import { fetch } from "undici";
import type { OAuthClientConfig } from "@ferry/services";
import { egressDispatcher } from "./egress";
import { SalesforceClientError } from "../errors";
import { explain, translateSalesforceError } from "./errors";

/** Every connection Ferry opens uses this API version (SOAP login() exists up to 64.0). */
export const SALESFORCE_API_VERSION = "62.0";

export interface LoginSession {
  connection: Connection;
  orgId: string;
  userId: string;
  /** Known from SOAP login; OAuth logins learn it from the Organization object when available. */
  orgName: string | null;
  username: string | null;
  isSandbox: boolean | null;
}

const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
const xmlUnescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
const tag = (xml: string, name: string) => {
  const m = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([^<]*)</(?:\\w+:)?${name}>`).exec(xml);
  return m ? xmlUnescape(m[1]!) : undefined;
};

interface SoapLoginResult {
  sessionId: string;
  instanceUrl: string;
  userId: string;
  orgId: string;
  orgName: string | null;
  username: string | null;
  isSandbox: boolean;
}

/**
 * SOAP partner login, done here rather than through jsforce's `login()` because jsforce keeps only
 * four fields and reduces faults to their text: Ferry needs the fault code, the org name and the
 * sandbox flag.
 */
async function soapLogin(loginUrl: string, username: string, passwordWithToken: string): Promise<SoapLoginResult> {
  const body =
    '<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com">' +
    `<username>${xmlEscape(username)}</username><password>${xmlEscape(passwordWithToken)}</password></login></se:Body></se:Envelope>`;
  let response: Awaited<ReturnType<typeof fetch>>;
  try {
    const dispatcher = egressDispatcher();
    response = await fetch(`${loginUrl}/services/Soap/u/${SALESFORCE_API_VERSION}`, {
      method: "POST",
      headers: { "Content-Type": "text/xml; charset=UTF-8", SOAPAction: '""' },
      body,
      signal: AbortSignal.timeout(30_000),
      ...(dispatcher ? { dispatcher } : {}),
    });
  } catch (error) {
    throw translateSalesforceError(error, { loginUrl });
  }
  const text = await response.text();
  if (!response.ok) {
    const faultCode = tag(text, "exceptionCode") ?? tag(text, "faultcode")?.replace(/^\w+:/, "");
    if (!faultCode) {
      const e = explain(response.status >= 500 ? "SERVER_UNAVAILABLE" : "UNREACHABLE_HOST", `HTTP ${response.status}`, { loginUrl });
      throw new SalesforceClientError(response.status >= 500 ? "SERVER_UNAVAILABLE" : "UNREACHABLE_HOST", e.message, e);
    }
    const e = explain(faultCode, tag(text, "exceptionMessage") ?? tag(text, "faultstring") ?? faultCode, { loginUrl });
    throw new SalesforceClientError(faultCode, e.message, e);
  }
  if (tag(text, "passwordExpired") === "true") {
    const e = explain("PASSWORD_EXPIRED", "", { loginUrl });
    throw new SalesforceClientError("PASSWORD_EXPIRED", e.message, e);
  }
  const serverUrl = tag(text, "serverUrl");
  const sessionId = tag(text, "sessionId");
  const userId = tag(text, "userId");
  const orgId = tag(text, "organizationId");
  if (!serverUrl || !sessionId || !userId || !orgId) {
    throw new SalesforceClientError("UNEXPECTED_RESPONSE", `${loginUrl} did not answer like a Salesforce login host. Check the custom domain.`);
  }
  return {
    sessionId,
    instanceUrl: new URL(serverUrl).origin,
    userId,
    orgId,
    orgName: tag(text, "organizationName") ?? null,
    username: tag(text, "userName") ?? null,
    isSandbox: tag(text, "sandbox") === "true",
  };
}

/**
 * Logs in with username, password and security token. The connection re-logs in by itself when
 * Salesforce answers INVALID_SESSION_ID (jsforce calls `refreshFn` once and retries the request);
 * `onRelogin` sees every such attempt so failures can be counted.
 */
export async function loginWithPassword(input: {
  loginUrl: string;
  username: string;
  password: string;
  securityToken: string;
  onRelogin?: (outcome: { ok: true } | { ok: false; error: SalesforceClientError }) => Promise<void> | void;
}): Promise<LoginSession> {
  const { loginUrl, username, password, securityToken, onRelogin } = input;
  const first = await soapLogin(loginUrl, username, password + securityToken);
  const connection = new jsforce.Connection({
    version: SALESFORCE_API_VERSION,
    loginUrl,
    instanceUrl: first.instanceUrl,
    accessToken: first.sessionId,
    refreshFn: async (_conn, callback) => {
      try {
        const again = await soapLogin(loginUrl, username, password + securityToken);
        await onRelogin?.({ ok: true });
        callback(null, again.sessionId);
      } catch (error) {
        const translated = translateSalesforceError(error, { loginUrl });
        await onRelogin?.({ ok: false, error: translated });
        callback(translated);
      }
    },
  });
  connection.userInfo = { id: first.userId, organizationId: first.orgId, url: `${loginUrl}/id/${first.orgId}/${first.userId}` };
  return { connection, orgId: first.orgId, userId: first.userId, orgName: first.orgName, username: first.username ?? username, isSandbox: first.isSandbox };
}

export function oauthClient(loginUrl: string, client: OAuthClientConfig, codeVerifier?: string) {
  const oauth2 = new jsforce.OAuth2({
    loginUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: client.redirectUri,
    useVerifier: true,
  });
  if (codeVerifier) oauth2.codeVerifier = codeVerifier;
  return oauth2;
}

/** The authorize URL (PKCE S256 + state) and the verifier to keep until the callback. */
export function authorizationRequest(loginUrl: string, client: OAuthClientConfig, state: string): { url: string; codeVerifier: string } {
  const oauth2 = oauthClient(loginUrl, client);
  const url = oauth2.getAuthorizationUrl({ scope: "api refresh_token", state, prompt: "login consent" });
  return { url, codeVerifier: oauth2.codeVerifier! };
}

/** Exchanges the callback's code (with the PKCE verifier) for tokens; the refresh token is what Ferry keeps. */
export async function exchangeAuthorizationCode(input: {
  loginUrl: string;
  client: OAuthClientConfig;
  codeVerifier: string;
  code: string;
}): Promise<LoginSession & { refreshToken: string }> {
  const oauth2 = oauthClient(input.loginUrl, input.client, input.codeVerifier);
  const connection = new jsforce.Connection({ oauth2, version: SALESFORCE_API_VERSION });
  try {
    const info = await connection.authorize(input.code);
    if (!connection.refreshToken) {
      throw new SalesforceClientError(
        "NO_REFRESH_TOKEN",
        "Salesforce gave Ferry no refresh token. The connected app must allow the refresh_token (offline access) scope.",
      );
    }
    return { connection, orgId: info.organizationId, userId: info.id, orgName: null, username: null, isSandbox: null, refreshToken: connection.refreshToken };
  } catch (error) {
    throw translateSalesforceError(error, { loginUrl: input.loginUrl });
  }
}

/** Opens a connection from a stored refresh token; jsforce refreshes again by itself on INVALID_SESSION_ID. */
export async function loginWithRefreshToken(input: {
  loginUrl: string;
  client: Omit<OAuthClientConfig, "redirectUri"> & { redirectUri?: string };
  refreshToken: string;
}): Promise<LoginSession> {
  const oauth2 = new jsforce.OAuth2({
    loginUrl: input.loginUrl,
    clientId: input.client.clientId,
    clientSecret: input.client.clientSecret,
    redirectUri: input.client.redirectUri ?? "",
  });
  let token: Awaited<ReturnType<typeof oauth2.refreshToken>>;
  try {
    token = await oauth2.refreshToken(input.refreshToken);
  } catch (error) {
    throw translateSalesforceError(error, { loginUrl: input.loginUrl });
  }
  const [orgId, userId] = token.id.split("/").slice(-2) as [string, string];
  const connection = new jsforce.Connection({
    oauth2,
    version: SALESFORCE_API_VERSION,
    instanceUrl: token.instance_url,
    accessToken: token.access_token,
    refreshToken: input.refreshToken,
  });
  connection.userInfo = { id: userId, organizationId: orgId, url: token.id };
  return { connection, orgId, userId, orgName: null, username: null, isSandbox: null };
}
