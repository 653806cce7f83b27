import { salesforceConnections, withTenant, type Transaction } from "@ferry/db";
import type { TenantContext } from "../context";
import { ConflictError, SalesforceError } from "../errors";
import { openSecret } from "../secrets/seal";
import { recordLoginAccepted, recordLoginRefused } from "../sync-state/connection";
import type { SalesforceCredentials, SalesforceRuntime } from "./gateway";

export type ConnectionRow = typeof salesforceConnections.$inferSelect;
export type ConnectionState = ConnectionRow["state"];

/** After this many refused logins in a row Ferry stops using the stored credentials (Salesforce locks users out). */
export const MAX_LOGIN_FAILURES = 3;

/** Once the sync has started the org is locked in: credentials may change, the org may not. */
export const LOCKED_STATES: readonly ConnectionState[] = ["syncing", "paused", "failed"];
/** After Confirm Credentials the org may no longer change either. */
export const CONFIRMED_STATES: readonly ConnectionState[] = ["confirmed", "ready", ...LOCKED_STATES];

export async function loadConnection(tx: Transaction): Promise<ConnectionRow | undefined> {
  return (await tx.select().from(salesforceConnections).limit(1))[0];
}

export function requireState(row: ConnectionRow | undefined, allowed: readonly ConnectionState[], what: string): ConnectionRow {
  const state = row?.state ?? "not_connected";
  if (!row || !allowed.includes(state)) {
    const hint: Record<ConnectionState, string> = {
      not_connected: "Validate the Salesforce credentials first.",
      validated: "Run Sync Fields first.",
      fields_synced: "Confirm the credentials first.",
      confirmed: "Accept the initial field mappings first.",
      ready: "Start the Salesforce sync first.",
      syncing: "The sync has already started, so this setup step is closed.",
      paused: "The sync has already started, so this setup step is closed.",
      failed: "The sync has already started, so this setup step is closed.",
    };
    throw new ConflictError(`You cannot ${what} now. ${hint[state]}`);
  }
  return row;
}

export function secretContext(tenantId: string, name: "password" | "securityToken" | "refreshToken" | "oauthClientSecret" | "codeVerifier") {
  return `${tenantId}:${name}`;
}

/** The stored credentials, decrypted for one call; refuses once Ferry has stopped retrying. */
export function storedCredentials(row: ConnectionRow, runtime: SalesforceRuntime, tenantId: string): SalesforceCredentials {
  if (row.consecutiveLoginFailures >= MAX_LOGIN_FAILURES) {
    throw new SalesforceError(
      "LOGIN_RETRIES_STOPPED",
      `Salesforce refused the stored credentials ${row.consecutiveLoginFailures} times in a row, so Ferry stopped trying to avoid locking out the sync user. Enter the current password and security token (or log in to Salesforce again).`,
    );
  }
  if (!row.loginUrl) throw new ConflictError("Validate the Salesforce credentials first.");
  if (row.authType === "oauth") {
    if (!row.refreshToken || !row.oauthClientId || !row.oauthClientSecret)
      throw new ConflictError('Log in to Salesforce first (the "Log in to Salesforce" button).');
    return {
      kind: "oauth",
      loginUrl: row.loginUrl,
      clientId: row.oauthClientId,
      clientSecret: openSecret(row.oauthClientSecret, runtime.masterKey, secretContext(tenantId, "oauthClientSecret")),
      refreshToken: openSecret(row.refreshToken, runtime.masterKey, secretContext(tenantId, "refreshToken")),
    };
  }
  if (!row.username || !row.password || !row.securityToken) throw new ConflictError("Validate the Salesforce credentials first.");
  return {
    kind: "password",
    loginUrl: row.loginUrl,
    username: row.username,
    password: openSecret(row.password, runtime.masterKey, secretContext(tenantId, "password")),
    securityToken: openSecret(row.securityToken, runtime.masterKey, secretContext(tenantId, "securityToken")),
  };
}

/**
 * Runs a Salesforce call with the stored credentials and keeps the consecutive-failure count: a
 * refused login adds one (in its own transaction, so it survives the failed request), success resets it.
 */
export async function withStoredLogin<T>(
  ctx: TenantContext,
  runtime: SalesforceRuntime,
  call: (credentials: SalesforceCredentials, row: ConnectionRow) => Promise<T>,
): Promise<T> {
  const row = await withTenant(ctx, loadConnection);
  if (!row) throw new ConflictError("Validate the Salesforce credentials first.");
  const credentials = storedCredentials(row, runtime, ctx.tenantId);
  try {
    const result = await call(credentials, row);
    if (row.consecutiveLoginFailures > 0) {
      await withTenant(ctx, recordLoginAccepted);
    }
    return result;
  } catch (error) {
    if (error instanceof SalesforceError && isAuthFailure(error)) {
      await withTenant(ctx, (tx) => recordLoginRefused(tx, error.message));
    }
    throw error;
  }
}

/** Set by the sync package's error class; plain SalesforceErrors never count as refused logins. */
function isAuthFailure(error: SalesforceError): boolean {
  return (error as SalesforceError & { authFailure?: boolean }).authFailure === true;
}
