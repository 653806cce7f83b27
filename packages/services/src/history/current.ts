import { asc, desc, eq, inArray } from "drizzle-orm";
import { fieldCatalog, salesforceConnections, syncRunObjects, syncRuns, syncStates, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { planFor } from "./plan";

const ACTIVE = ["queued", "in_progress", "paused"] as const;

/**
 * The run as committed, with everything the portal says about it: the active run (else the most
 * recent) and its counters, the objects of its plan not started yet, the tenant's sync state, the
 * connection's setup state and the initial run. The browser keeps this in one query cache entry and
 * moves it on with `sync.progress` / `sync.status` events, so the header, the Salesforce page, the
 * progress page and the history read one state; a reconnect re-reads it.
 */
export async function viewCurrentRun({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, async (tx) => {
    const columns = {
      id: syncRuns.id,
      kind: syncRuns.kind,
      status: syncRuns.status,
      phase: syncRuns.phase,
      error: syncRuns.error,
      errorCode: syncRuns.errorCode,
      apiCalls: syncRuns.apiCalls,
      resumesAt: syncRuns.resumesAt,
      startedAt: syncRuns.startedAt,
      finishedAt: syncRuns.finishedAt,
    };
    const [connection] = await tx.select({ state: salesforceConnections.state }).from(salesforceConnections).limit(1);
    const [state] = await tx
      .select({ state: syncStates.state, message: syncStates.message, lastSyncedAt: syncStates.lastSyncedAt, resumesAt: syncStates.resumesAt })
      .from(syncStates)
      .limit(1);
    const [initialRun] = await tx
      .select({ id: syncRuns.id, status: syncRuns.status, startedAt: syncRuns.startedAt, finishedAt: syncRuns.finishedAt })
      .from(syncRuns)
      .where(eq(syncRuns.kind, "initial"))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1);
    const shared = {
      connectionState: connection?.state ?? "not_connected",
      sync: state ?? null,
      initialRun: initialRun ?? null,
      at: new Date().toISOString(),
    };
    const [active] = await tx
      .select(columns)
      .from(syncRuns)
      .where(inArray(syncRuns.status, [...ACTIVE]))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1);
    const run = active ?? (await tx.select(columns).from(syncRuns).orderBy(desc(syncRuns.startedAt)).limit(1))[0];
    if (!run) return { run: null, objects: [], pending: [] as string[], ...shared };
    const objects = await tx
      .select({
        object: syncRunObjects.object,
        operation: syncRunObjects.operation,
        status: syncRunObjects.status,
        total: syncRunObjects.total,
        processed: syncRunObjects.processed,
        created: syncRunObjects.created,
        updated: syncRunObjects.updated,
        deleted: syncRunObjects.deleted,
        failed: syncRunObjects.failed,
        skipped: syncRunObjects.skipped,
        startedAt: syncRunObjects.startedAt,
        finishedAt: syncRunObjects.finishedAt,
      })
      .from(syncRunObjects)
      .where(eq(syncRunObjects.runId, run.id))
      .orderBy(asc(syncRunObjects.startedAt), asc(syncRunObjects.object));
    const catalog = run.kind === "push" ? [] : await tx.selectDistinct({ object: fieldCatalog.object }).from(fieldCatalog);
    const started = new Set(objects.map((o) => o.object));
    // A finished run lists what it did; a moving one also what it has yet to start.
    const pending =
      run.finishedAt || run.status === "succeeded"
        ? []
        : planFor(
            run.kind,
            catalog.map((c) => c.object),
          ).filter((o) => !started.has(o));
    return { run, objects, pending, ...shared };
  });
}
