import { withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { setConnectionStatus } from "../sync-state/connection";
import { setSyncState } from "../sync-state/state";

/** Marketo's "Disable Sync": scheduled cycles stop and a running job stops before its next run starts. */
export async function setSyncPaused({ ctx, input }: { ctx: TenantContext; input: { paused: boolean } }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, async (tx) => {
    await setSyncState(tx, ctx.tenantId, {
      pausedByAdmin: input.paused,
      state: input.paused ? "paused" : "idle",
      message: input.paused ? "Sync paused by an admin" : null,
    });
    await setConnectionStatus(tx, input.paused ? "paused" : "syncing", {}, input.paused ? ["syncing"] : ["paused"]);
    await recordAudit(tx, ctx, { action: input.paused ? "sync.pause" : "sync.resume", targetType: "sync" });
    return { paused: input.paused };
  });
}
