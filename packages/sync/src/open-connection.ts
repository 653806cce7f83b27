import type { Connection } from "jsforce";
import { salesforceConnections, withTenant, type Database } from "@ferry/db";
import { createNotification, openSecret, recordLoginAccepted, recordLoginRefused } from "@ferry/services";
import { login, SalesforceClientError, translateSalesforceError } from "@ferry/salesforce";

export type { LoginHostChoice } from "@ferry/services";

/** After this many consecutive refused logins Ferry stops trying, so Salesforce never locks the sync user out. */
export const MAX_CONSECUTIVE_LOGIN_FAILURES = 3;

export interface OpenConnectionOptions {
  db: Database;
  tenantId: string;
  /** Base64 master key (current first); retired keys may follow so secrets sealed before a rotation still open. */
  masterKey: string | readonly string[];
}

async function recordLoginOutcome(db: Database, tenantId: string, outcome: { ok: true } | { ok: false; error: SalesforceClientError }) {
  await withTenant({ db, tenantId }, async (tx) => {
    if (outcome.ok) {
      await recordLoginAccepted(tx);
    } else if (outcome.error.authFailure) {
      const failures = await recordLoginRefused(tx, outcome.error.message);
      if (failures === MAX_CONSECUTIVE_LOGIN_FAILURES) {
        await createNotification(
          tx,
          { tenantId },
          {
            kind: "credentials_expired",
            title: "Salesforce refused the sync user's credentials",
            body: `Ferry stopped logging in after ${MAX_CONSECUTIVE_LOGIN_FAILURES} refused attempts so Salesforce does not lock the sync user out. Update the password and security token under Admin > Salesforce.`,
          },
        );
      }
    }
  });
}

/**
 * A logged-in jsforce Connection for the tenant's stored Salesforce connection, API version 62.0.
 * Password connections re-login and OAuth connections refresh by themselves when a session
 * expires. Every refused login is counted; at three in a row this throws LOGIN_RETRIES_STOPPED
 * without contacting Salesforce until an admin enters working credentials.
 */
export async function openSalesforceConnection({ db, tenantId, masterKey }: OpenConnectionOptions): Promise<Connection> {
  const row = await withTenant({ db, tenantId }, async (tx) => (await tx.select().from(salesforceConnections).limit(1))[0]);
  if (!row || !row.loginUrl || !row.orgId || row.state === "not_connected") {
    throw new SalesforceClientError("NOT_CONNECTED", "This tenant has no validated Salesforce connection yet; connect it under Admin > Salesforce.");
  }
  if (row.consecutiveLoginFailures >= MAX_CONSECUTIVE_LOGIN_FAILURES) {
    throw new SalesforceClientError(
      "LOGIN_RETRIES_STOPPED",
      `Salesforce refused the stored credentials ${row.consecutiveLoginFailures} times in a row, so Ferry stopped trying to avoid locking out the sync user. Update the credentials under Admin > Salesforce.${row.lastError ? ` Last answer: ${row.lastError}` : ""}`,
      { authFailure: false, retryable: false },
    );
  }
  const open = (sealed: Parameters<typeof openSecret>[0] | null, name: string) => {
    if (!sealed)
      throw new SalesforceClientError(
        "NOT_CONNECTED",
        `The stored Salesforce connection has no ${name}; enter the credentials again under Admin > Salesforce.`,
      );
    return openSecret(sealed, masterKey, `${tenantId}:${name}`);
  };
  const onOutcome = (outcome: { ok: true } | { ok: false; error: SalesforceClientError }) => recordLoginOutcome(db, tenantId, outcome);
  let connection: Connection;
  let orgId: string;
  try {
    const session =
      row.authType === "oauth"
        ? await login({
            kind: "oauth",
            loginUrl: row.loginUrl,
            clientId: row.oauthClientId ?? "",
            clientSecret: open(row.oauthClientSecret, "oauthClientSecret"),
            refreshToken: open(row.refreshToken, "refreshToken"),
          })
        : await login({
            kind: "password",
            loginUrl: row.loginUrl,
            username: row.username ?? "",
            password: open(row.password, "password"),
            securityToken: open(row.securityToken, "securityToken"),
            onRelogin: onOutcome,
          });
    connection = session.connection;
    orgId = session.orgId;
  } catch (error) {
    const translated = translateSalesforceError(error, { loginUrl: row.loginUrl });
    await onOutcome({ ok: false, error: translated });
    throw translated;
  }
  if (orgId !== row.orgId) {
    throw new SalesforceClientError(
      "ORG_MISMATCH",
      `The stored credentials now log into org ${orgId}, not the connected org ${row.orgId}; Ferry never syncs a different org. Enter credentials of a user in ${row.orgId} under Admin > Salesforce.`,
    );
  }
  await onOutcome({ ok: true });
  return connection;
}
