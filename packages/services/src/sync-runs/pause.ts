import { inArray } from "drizzle-orm";
import { salesforceConnections, syncStates, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";

/** Marketo's "Disable Sync": scheduled cycles stop and a running job stops before its next run starts. */
export async function setSyncPaused({ ctx, input }: { ctx: TenantContext; input: { paused: boolean } }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, async (tx) => {
    const now = new Date();
    const patch = {
      pausedByAdmin: input.paused,
      state: input.paused ? ("paused" as const) : ("idle" as const),
      message: input.paused ? "Sync paused by an admin" : null,
      updatedAt: now,
    };
    await tx
      .insert(syncStates)
      .values({ tenantId: ctx.tenantId, ...patch })
      .onConflictDoUpdate({ target: syncStates.tenantId, set: patch });
    await tx
      .update(salesforceConnections)
      .set({ state: input.paused ? "paused" : "syncing", updatedAt: now })
      .where(inArray(salesforceConnections.state, input.paused ? ["syncing"] : ["paused"]));
    await recordAudit(tx, ctx, { action: input.paused ? "sync.pause" : "sync.resume", targetType: "sync" });
    return { paused: input.paused };
  });
}
