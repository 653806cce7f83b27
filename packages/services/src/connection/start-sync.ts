import { z } from "zod";
import { withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { setConnectionStatus } from "../sync-state/connection";
import { abandonQueuedRun, queueRun } from "../sync-state/runs";
import type { SalesforceRuntime } from "./gateway";
import { loadConnection, requireState } from "./stored";

export const startSyncInput = z.object({
  acknowledgeDuplicates: z.literal(true, { error: "Tick that you understand Ferry does not merge duplicates (it reports them)." }),
});

/**
 * "Start Salesforce Sync": creates the initial run (queued) and locks the setup, then enqueues
 * `sync.initial`. The job is sent after the commit (the queue has its own connection); if sending
 * fails the run is marked failed and the setup reopened, so nothing is left half-started.
 */
export async function startSalesforceSync({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.infer<typeof startSyncInput>;
  runtime: Pick<SalesforceRuntime, "enqueueInitialSync">;
}) {
  requireRole(ctx, "admin");
  startSyncInput.parse(input);
  const run = await withTenant(ctx, async (tx) => {
    const row = requireState(await loadConnection(tx), ["ready"], "start the sync");
    const now = new Date();
    const created = await queueRun(tx, ctx.tenantId, "initial", now);
    await setConnectionStatus(tx, "syncing", { syncEnabled: true, syncStartedAt: now });
    await recordAudit(tx, ctx, {
      action: "salesforce.sync.start",
      targetType: "sync_run",
      targetId: created.id,
      details: { orgId: row.orgId, kind: "initial" },
    });
    return created;
  });
  try {
    await runtime.enqueueInitialSync({ tenantId: ctx.tenantId, runId: run.id });
  } catch (error) {
    await withTenant(ctx, async (tx) => {
      await abandonQueuedRun(tx, run.id, { failed: "The initial sync could not be queued." });
      await setConnectionStatus(tx, "ready", { syncEnabled: false, syncStartedAt: null });
      await recordAudit(tx, ctx, { action: "salesforce.sync.start", outcome: "failure", targetType: "sync_run", targetId: run.id, reason: "enqueue failed" });
    });
    throw error;
  }
  return run;
}
