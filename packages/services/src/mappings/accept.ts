import { withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { loadConnection, requireState } from "../connection/stored";
import { setConnectionStatus } from "../sync-state/connection";

/** The admin is done with the initial mappings: the flow moves on to Start Salesforce Sync. */
export async function acceptMappings({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, async (tx) => {
    requireState(await loadConnection(tx), ["confirmed", "ready"], "accept the mappings");
    const now = new Date();
    await setConnectionStatus(tx, "ready", { mappingsAcceptedAt: now });
    await recordAudit(tx, ctx, { action: "salesforce.mappings.accept", targetType: "salesforce_connection" });
    return { state: "ready" as const };
  });
}
