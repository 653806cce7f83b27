import { z } from "zod";
import { salesforceConnections, syncStates, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError, ValidationError } from "../errors";
import { loadConnection } from "./stored";

export const apiCapInput = z.object({
  /** Calls per rolling 24 hours at which Ferry pauses the sync; null for no cap of the tenant's own. */
  cap: z
    .number({ error: "Enter the cap as a whole number of API calls, or choose no cap." })
    .int("Enter the cap as a whole number of API calls.")
    .min(1, "The cap must be at least 1 API call a day.")
    .max(100_000_000, "The cap can be at most 100,000,000 API calls a day.")
    .nullable(),
});

/**
 * Ferry's daily API cap for this tenant (owners and admins). The engine reads it at the start of
 * every run and pauses when the org's usage over the last 24 hours reaches it; without one, Ferry
 * stops at half the org's daily limit.
 */
export async function setApiCap({ ctx, input }: { ctx: TenantContext; input: z.input<typeof apiCapInput> }) {
  requireRole(ctx, "admin");
  const { cap } = apiCapInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    if (!row) throw new NotFoundError("Connect Salesforce under Admin > Salesforce first; the cap applies to the org's API calls.");
    const [state] = await tx.select({ apiLimit: syncStates.apiLimit }).from(syncStates).limit(1);
    const orgLimit = state?.apiLimit ?? row.apiDailyLimit;
    if (cap !== null && orgLimit !== null && cap > orgLimit) {
      throw new ValidationError(`The cap cannot be above the org's own daily limit of ${orgLimit.toLocaleString("en-US")} API calls.`, "cap");
    }
    if (row.apiDailyCap === cap) return { cap };
    await tx.update(salesforceConnections).set({ apiDailyCap: cap, updatedAt: new Date() });
    await recordAudit(tx, ctx, {
      action: "salesforce.api_cap.update",
      targetType: "salesforce_connection",
      targetId: row.orgId ?? undefined,
      details: { from: row.apiDailyCap, to: cap },
    });
    return { cap };
  });
}
