import { desc, eq, inArray } from "drizzle-orm";
import { salesforceConnections, syncRunObjects, syncRuns, syncStates, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

/** Badge states: the setup steps before the first sync, then the sync's own states. */
export type BadgeState = "not_connected" | "validated" | "fields_synced" | "ready" | "idle" | "running" | "failed" | "paused" | "api_capped" | "org_limited";

const SETUP: Record<string, BadgeState> = {
  not_connected: "not_connected",
  validated: "validated",
  fields_synced: "fields_synced",
  confirmed: "ready",
  ready: "ready",
};

/**
 * What the status badge shows, rebuilt from the database (on load and after a reconnect): the
 * tenant's sync state, the running run's overall progress, and the run to link a failure to.
 */
export async function viewSyncStatus({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, async (tx) => {
    const [connection] = await tx
      .select({ state: salesforceConnections.state, lastError: salesforceConnections.lastError })
      .from(salesforceConnections)
      .limit(1);
    const [state] = await tx.select().from(syncStates).limit(1);
    const [run] = await tx
      .select({ id: syncRuns.id, kind: syncRuns.kind, status: syncRuns.status, error: syncRuns.error, resumesAt: syncRuns.resumesAt })
      .from(syncRuns)
      .orderBy(desc(syncRuns.startedAt))
      .limit(1);
    const connectionState = connection?.state ?? "not_connected";
    const setup = SETUP[connectionState];
    let badge: BadgeState;
    if (setup && !state) badge = setup;
    else if (state) badge = state.state === "running" ? "running" : state.state;
    else if (connectionState === "failed") badge = "failed";
    else if (connectionState === "paused") badge = "paused";
    else badge = run && (run.status === "queued" || run.status === "in_progress") ? "running" : "idle";

    let percent: number | null = null;
    let checking = false;
    if (badge === "running" && run) {
      const objects = await tx
        .select({
          total: syncRunObjects.total,
          processed: syncRunObjects.processed,
          created: syncRunObjects.created,
          updated: syncRunObjects.updated,
          deleted: syncRunObjects.deleted,
        })
        .from(syncRunObjects)
        .where(eq(syncRunObjects.runId, run.id));
      // A reconciliation or a cycle that has changed nothing is a background check: "Last Synced" stays.
      const changes =
        run.kind === "initial" || run.kind === "push" || (run.kind === "incremental" && objects.some((o) => o.created + o.updated + o.deleted > 0));
      if (!changes && state?.lastSyncedAt) {
        badge = "idle";
        checking = true;
      } else percent = overallPercent(objects);
    }
    const failedRun =
      badge === "failed"
        ? (
            await tx
              .select({ id: syncRuns.id })
              .from(syncRuns)
              .where(inArray(syncRuns.status, ["failed", "incomplete"]))
              .orderBy(desc(syncRuns.startedAt))
              .limit(1)
          )[0]
        : undefined;
    return {
      state: badge,
      message: checking ? null : (state?.message ?? (badge === "failed" ? (run?.error ?? connection?.lastError ?? null) : null)),
      lastSyncedAt: state?.lastSyncedAt?.toISOString() ?? null,
      resumesAt: (state?.resumesAt ?? (badge === "paused" || badge === "api_capped" || badge === "org_limited" ? run?.resumesAt : null))?.toISOString() ?? null,
      runId: run?.id ?? null,
      failedRunId: failedRun?.id ?? null,
      percent,
      checking,
    };
  });
}

/** Processed over total, once every object of the run is counted (a share of a partial total would fall back later). */
export function overallPercent(objects: { total: number | null; processed: number }[]): number | null {
  let total = 0;
  let processed = 0;
  for (const o of objects) {
    if (o.total === null || o.total === undefined) return null;
    total += o.total;
    processed += Math.min(o.processed, o.total);
  }
  if (total === 0) return objects.some((o) => o.total === 0) ? 100 : null;
  return Math.min(100, Math.floor((processed / total) * 1000) / 10);
}
