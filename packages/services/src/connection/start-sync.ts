import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { salesforceConnections, syncRuns, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
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
    const [created] = await tx
      .insert(syncRuns)
      .values({ tenantId: ctx.tenantId, kind: "initial", status: "queued", phase: "counting", startedAt: now })
      .returning({ id: syncRuns.id, status: syncRuns.status, startedAt: syncRuns.startedAt });
    await tx.update(salesforceConnections).set({ state: "syncing", syncEnabled: true, syncStartedAt: now, updatedAt: now });
    await recordAudit(tx, ctx, {
      action: "salesforce.sync.start",
      targetType: "sync_run",
      targetId: created!.id,
      details: { orgId: row.orgId, kind: "initial" },
    });
    return created!;
  });
  try {
    await runtime.enqueueInitialSync({ tenantId: ctx.tenantId, runId: run.id });
  } catch (error) {
    await withTenant(ctx, async (tx) => {
      await tx
        .update(syncRuns)
        .set({ status: "failed", error: "The initial sync could not be queued.", finishedAt: new Date() })
        .where(and(eq(syncRuns.id, run.id)));
      await tx.update(salesforceConnections).set({ state: "ready", syncEnabled: false, syncStartedAt: null, updatedAt: new Date() });
      await recordAudit(tx, ctx, { action: "salesforce.sync.start", outcome: "failure", targetType: "sync_run", targetId: run.id, reason: "enqueue failed" });
    });
    throw error;
  }
  return run;
}
