import { z } from "zod";
import { connectionAuthTypes, fieldCatalog, fieldMappings, salesforceConnections, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, ValidationError } from "../errors";
import type { SalesforceRuntime } from "./gateway";
import { resetConnectionStatus } from "../sync-state/connection";
import { CONFIRMED_STATES, loadConnection } from "./stored";

export const authTypeInput = z.object({ authType: z.enum(connectionAuthTypes) });

/**
 * Chooses username/password or OAuth (the seed's "Log in to Salesforce" button). Allowed until
 * Confirm Credentials; switching forgets the other method's credentials and what Sync Fields made.
 */
export async function setAuthType({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.infer<typeof authTypeInput>;
  runtime: Pick<SalesforceRuntime, "oauth">;
}) {
  requireRole(ctx, "admin");
  const { authType } = authTypeInput.parse(input);
  if (authType === "oauth" && !runtime.oauth) {
    throw new ValidationError("OAuth is not configured on this Ferry installation (no connected app); use username, password and security token.", "authType");
  }
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    if (row && CONFIRMED_STATES.includes(row.state)) {
      throw new ConflictError("The credentials are confirmed, so this tenant can no longer switch between OAuth and username/password.");
    }
    if (row?.authType === authType) return { authType, changed: false };
    const reset = {
      authType,
      username: null,
      password: null,
      securityToken: null,
      refreshToken: null,
      oauthClientId: null,
      oauthClientSecret: null,
      oauthPending: null,
      secretMasks: null,
      orgId: null,
      orgName: null,
      instanceUrl: null,
      syncUserId: null,
      syncUsername: null,
      apiDailyLimit: null,
      orgIsSandbox: null,
      loginUrl: null,
      updatedAt: new Date(),
    };
    await tx.delete(fieldMappings);
    await tx.delete(fieldCatalog);
    await tx
      .insert(salesforceConnections)
      .values({ tenantId: ctx.tenantId, ...reset })
      .onConflictDoUpdate({ target: salesforceConnections.tenantId, set: reset });
    await resetConnectionStatus(tx);
    await recordAudit(tx, ctx, {
      action: "salesforce.auth_type.set",
      targetType: "salesforce_connection",
      details: { from: row?.authType ?? "password", to: authType },
    });
    return { authType, changed: true };
  });
}
