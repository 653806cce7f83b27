import type { OrgSchema, OrgSummary, SalesforceCredentials, SalesforceGateway } from "@ferry/services";
import { describeSyncedObjects } from "./describe";
import { authorizationRequest, exchangeAuthorizationCode, loginWithPassword, loginWithRefreshToken, type LoginSession } from "./login";
import { describeOrg } from "./org";

/** Logs in with stored or freshly entered credentials (password + token, or an OAuth refresh token). */
export function login(credentials: SalesforceCredentials & { onRelogin?: Parameters<typeof loginWithPassword>[0]["onRelogin"] }): Promise<LoginSession> {
  return credentials.kind === "password"
    ? loginWithPassword(credentials)
    : loginWithRefreshToken({ loginUrl: credentials.loginUrl, client: { clientId: credentials.clientId, clientSecret: credentials.clientSecret }, refreshToken: credentials.refreshToken });
}

/** The jsforce implementation of the Salesforce calls the connection verbs make. */
export const salesforceGateway: SalesforceGateway = {
  async validate(credentials): Promise<OrgSummary> {
    const session = await login(credentials);
    return describeOrg(session, credentials.loginUrl);
  },
  async describe(credentials): Promise<OrgSummary & { schema: OrgSchema }> {
    const session = await login(credentials);
    const [summary, schema] = await Promise.all([describeOrg(session, credentials.loginUrl), describeSyncedObjects(session.connection)]);
    return { ...summary, schema };
  },
  authorizationRequest: ({ loginUrl, client, state }) => authorizationRequest(loginUrl, client, state),
  async exchangeCode(input) {
    const session = await exchangeAuthorizationCode(input);
    const summary = await describeOrg(session, input.loginUrl);
    return { ...summary, refreshToken: session.refreshToken };
  },
};
