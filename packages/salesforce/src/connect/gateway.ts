import type { OrgSchema, OrgSummary, SalesforceCredentials, SalesforceGateway } from "@ferry/services";
import { describeSyncedObjects } from "./describe";
import { SalesforceClientError } from "../errors";
import { authorizationRequest, exchangeAuthorizationCode, loginWithPassword, loginWithRefreshToken, type LoginSession } from "./login";
import { describeOrg } from "./org";

/** Logs in with stored or freshly entered credentials (password + token, or an OAuth refresh token). */
export function login(credentials: SalesforceCredentials & { onRelogin?: Parameters<typeof loginWithPassword>[0]["onRelogin"] }): Promise<LoginSession> {
  return credentials.kind === "password"
    ? loginWithPassword(credentials)
    : loginWithRefreshToken({
        loginUrl: credentials.loginUrl,
        client: { clientId: credentials.clientId, clientSecret: credentials.clientSecret },
        refreshToken: credentials.refreshToken,
      });
}

/** An admin is waiting on these calls: a host that accepts the connection but never answers must not hang the page. */
const INTERACTIVE_TIMEOUT_MS = 60_000;

async function withinTimeout<T>(work: Promise<T>, loginUrl: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new SalesforceClientError(
            "TIMEOUT",
            `Salesforce at ${loginUrl} did not answer within ${INTERACTIVE_TIMEOUT_MS / 1000} seconds. Try again; if it keeps happening, check the login domain.`,
            { retryable: true },
          ),
        ),
      INTERACTIVE_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The jsforce implementation of the Salesforce calls the connection verbs make. */
export const salesforceGateway: SalesforceGateway = {
  validate(credentials): Promise<OrgSummary> {
    return withinTimeout(
      login(credentials).then((session) => describeOrg(session, credentials.loginUrl)),
      credentials.loginUrl,
    );
  },
  describe(credentials): Promise<OrgSummary & { schema: OrgSchema }> {
    return withinTimeout(
      (async () => {
        const session = await login(credentials);
        const [summary, schema] = await Promise.all([describeOrg(session, credentials.loginUrl), describeSyncedObjects(session.connection)]);
        return { ...summary, schema };
      })(),
      credentials.loginUrl,
    );
  },
  authorizationRequest: ({ loginUrl, client, state }) => authorizationRequest(loginUrl, client, state),
  exchangeCode(input) {
    return withinTimeout(
      (async () => {
        const session = await exchangeAuthorizationCode(input);
        const summary = await describeOrg(session, input.loginUrl);
        return { ...summary, refreshToken: session.refreshToken };
      })(),
      input.loginUrl,
    );
  },
};
