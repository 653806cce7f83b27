import { fieldCatalog, fieldMappings, salesforceConnections, type SealedSecret, type SecretSetting, type Transaction } from "@ferry/db";
import { recordAudit } from "../audit/record";
import type { TenantContext } from "../context";
import type { OrgSummary } from "./gateway";
import type { LoginHostChoice } from "./hosts";
import { recordLoginAccepted, setConnectionStatus } from "../sync-state/connection";
import type { ConnectionRow } from "./stored";

/** How the sync user logs in, as stored: sealed secrets and when and by whom each was set. */
export interface StoredCredentials {
  authType: "password" | "oauth";
  customDomain: string | null;
  loginUrl: string;
  username: string;
  password: SealedSecret | null;
  securityToken: SealedSecret | null;
  refreshToken: SealedSecret | null;
  oauthClientId: string | null;
  oauthClientSecret: SealedSecret | null;
  secretMasks: { password: SecretSetting | null; securityToken: SecretSetting | null; refreshToken: SecretSetting | null };
}

/**
 * Stores a successful login (password or OAuth) with the org it reached, in the caller's
 * transaction. Before confirmation a different org or sync user voids what Sync Fields made;
 * after it the flow state stays as it is (the caller has already refused another org).
 */
export async function saveLogin(
  tx: Transaction,
  ctx: TenantContext,
  input: {
    current: ConnectionRow | undefined;
    locked: boolean;
    summary: OrgSummary;
    loginHost: LoginHostChoice;
    credentials: StoredCredentials;
    action: string;
    details: Record<string, unknown>;
  },
): Promise<void> {
  const { current, locked, summary, loginHost } = input;
  const orgChanged = Boolean(current?.orgId && current.orgId !== summary.orgId);
  // Before confirmation another sync user may see other fields: what Sync Fields made must be redone.
  const userChanged = !locked && Boolean(current?.syncUserId && current.syncUserId !== summary.syncUserId);
  if (orgChanged || userChanged) {
    await tx.delete(fieldMappings);
    await tx.delete(fieldCatalog);
  }
  const now = new Date();
  const values = {
    ...input.credentials,
    loginHost,
    oauthPending: null,
    orgId: summary.orgId,
    orgName: summary.orgName,
    instanceUrl: summary.instanceUrl,
    syncUserId: summary.syncUserId,
    syncUsername: summary.syncUsername,
    apiDailyLimit: summary.apiDailyLimit,
    orgIsSandbox: summary.isSandbox ?? loginHost === "sandbox",
    validatedAt: now,
    updatedAt: now,
  };
  await tx
    .insert(salesforceConnections)
    .values({ tenantId: ctx.tenantId, ...values })
    .onConflictDoUpdate({ target: salesforceConnections.tenantId, set: values });
  await recordLoginAccepted(tx);
  if (!locked && (orgChanged || userChanged || !current || current.state === "not_connected")) {
    await setConnectionStatus(tx, "validated", orgChanged || userChanged ? { fieldsSyncedAt: null } : {});
  }
  await recordAudit(tx, ctx, {
    action: input.action,
    targetType: "salesforce_connection",
    targetId: summary.orgId,
    details: { ...input.details, loginHost, orgId: summary.orgId, syncUsername: summary.syncUsername, orgChanged, userChanged },
  });
}
