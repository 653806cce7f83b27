import { z } from "zod";
import { withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { setConnectionStatus } from "../sync-state/connection";
import { loadConnection, requireState } from "./stored";

export const confirmInput = z.object({
  acknowledged: z.literal(true, { error: "Read the warning and tick that you understand the org is locked in." }),
});

/** "Confirm Credentials": after the warning, this tenant stays with this org for good. */
export async function confirmCredentials({ ctx, input }: { ctx: TenantContext; input: z.infer<typeof confirmInput> }) {
  requireRole(ctx, "admin");
  confirmInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const row = requireState(await loadConnection(tx), ["fields_synced"], "confirm the credentials");
    const now = new Date();
    await setConnectionStatus(tx, "confirmed", { confirmedAt: now });
    await recordAudit(tx, ctx, {
      action: "salesforce.credentials.confirm",
      targetType: "salesforce_connection",
      targetId: row.orgId ?? undefined,
      details: { orgId: row.orgId, orgName: row.orgName },
    });
    return { state: "confirmed" as const, orgId: row.orgId };
  });
}
