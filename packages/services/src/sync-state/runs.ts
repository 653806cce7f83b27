import { and, eq, sql } from "drizzle-orm";
import {
  syncRunObjects,
  syncRuns,
  withTenant,
  type DatabaseHandle,
  type Transaction,
  type syncOperations,
  type syncRunKinds,
  type syncRunStatuses,
} from "@ferry/db";
import { settleJobErrors } from "./errors";
import { setSyncState } from "./state";

export type RunKind = (typeof syncRunKinds)[number];
export type RunStatus = (typeof syncRunStatuses)[number];
export type RunOperation = (typeof syncOperations)[number];

export interface CounterDelta {
  processed?: number;
  created?: number;
  updated?: number;
  deleted?: number;
  failed?: number;
  skipped?: number;
  apiCalls?: number;
}

/** Where each kind of run starts: only the initial sync counts before it reads. */
const FIRST_PHASE = { initial: "counting", incremental: "reading", push: "pushing", reconcile: "reconciling" } as const;

/** A run waiting for its job: started by an admin, a retry, an edit or the scheduler. */
export async function queueRun(tx: Transaction, tenantId: string, kind: RunKind, startedAt?: Date) {
  const [run] = await tx
    .insert(syncRuns)
    .values({ tenantId, kind, status: "queued", phase: "counting", ...(startedAt ? { startedAt } : {}) })
    .returning({ id: syncRuns.id, status: syncRuns.status, startedAt: syncRuns.startedAt });
  return run!;
}

/**
 * The queue did not take a queued run's job. `failed`: sending threw, so the run is failed with
 * `error`; `dropped`: the queue declined it as a duplicate, so the run row goes (a waiting job does
 * the work). Either way no queued run is left that nobody will work: it would keep the scheduler away.
 */
export async function abandonQueuedRun(tx: Transaction, runId: string, how: { failed: string } | "dropped"): Promise<void> {
  const queued = and(eq(syncRuns.id, runId), eq(syncRuns.status, "queued"));
  if (how === "dropped") await tx.delete(syncRuns).where(queued);
  else await tx.update(syncRuns).set({ status: "failed", error: how.failed, finishedAt: new Date() }).where(queued);
}

/** Marks the run as moving; creates it when the job arrived without a stored run (a scheduled cycle). */
export async function beginRun(handle: DatabaseHandle, tenantId: string, runId: string, kind: RunKind): Promise<void> {
  await withTenant({ db: handle.db, tenantId }, async (tx) => {
    await tx
      .insert(syncRuns)
      .values({ tenantId, id: runId, kind, status: "in_progress", phase: FIRST_PHASE[kind] })
      .onConflictDoUpdate({
        target: [syncRuns.tenantId, syncRuns.id],
        // A resumed initial sync keeps the phase it reached.
        set: {
          status: "in_progress",
          error: null,
          errorCode: null,
          resumesAt: null,
          finishedAt: null,
          ...(kind === "initial" ? {} : { phase: FIRST_PHASE[kind] }),
        },
      });
    await setSyncState(tx, tenantId, { state: "running", message: null, resumesAt: null });
  });
}

export async function ensureRunObject(
  tx: Transaction,
  tenantId: string,
  runId: string,
  object: string,
  operation: RunOperation,
  total?: number | null,
  status: "in_progress" | "queued" = "in_progress",
): Promise<void> {
  await tx
    .insert(syncRunObjects)
    .values({ tenantId, runId, object, operation, total: total ?? null, status })
    .onConflictDoUpdate({
      target: [syncRunObjects.tenantId, syncRunObjects.runId, syncRunObjects.object, syncRunObjects.operation],
      set: total === undefined ? { status } : { status, total },
    });
}

/** An object the run planned (queued) starts now. */
export async function startRunObject(tx: Transaction, runId: string, object: string, operation: RunOperation): Promise<void> {
  await tx
    .update(syncRunObjects)
    .set({ status: "in_progress", startedAt: new Date() })
    .where(
      and(eq(syncRunObjects.runId, runId), eq(syncRunObjects.object, object), eq(syncRunObjects.operation, operation), eq(syncRunObjects.status, "queued")),
    );
}

export async function addRunObjectCounts(
  tx: Transaction,
  runId: string,
  object: string,
  operation: RunOperation,
  d: CounterDelta,
  status?: RunStatus,
): Promise<void> {
  const o = syncRunObjects;
  await tx
    .update(o)
    .set({
      processed: sql`${o.processed} + ${d.processed ?? 0}`,
      created: sql`${o.created} + ${d.created ?? 0}`,
      updated: sql`${o.updated} + ${d.updated ?? 0}`,
      deleted: sql`${o.deleted} + ${d.deleted ?? 0}`,
      failed: sql`${o.failed} + ${d.failed ?? 0}`,
      skipped: sql`${o.skipped} + ${d.skipped ?? 0}`,
      apiCalls: sql`${o.apiCalls} + ${d.apiCalls ?? 0}`,
      ...(status ? { status, finishedAt: status === "in_progress" ? null : new Date() } : {}),
    })
    .where(and(eq(o.runId, runId), eq(o.object, object), eq(o.operation, operation)));
  if (d.apiCalls) {
    await tx
      .update(syncRuns)
      .set({ apiCalls: sql`${syncRuns.apiCalls} + ${d.apiCalls}` })
      .where(eq(syncRuns.id, runId));
  }
}

export async function setRunPhase(tx: Transaction, runId: string, phase: (typeof syncRuns.$inferInsert)["phase"]): Promise<void> {
  await tx.update(syncRuns).set({ phase }).where(eq(syncRuns.id, runId));
}

export interface RunEnd {
  status: RunStatus;
  error?: string | null;
  errorCode?: string | null;
  resumesAt?: Date | null;
  apiCalls?: number;
}

export async function finishRun(tx: Transaction, runId: string, end: RunEnd): Promise<void> {
  if (end.status === "succeeded") await settleJobErrors(tx, runId, { status: "succeeded" });
  if (end.status === "failed")
    await settleJobErrors(tx, runId, { status: "failed", code: end.errorCode ?? "ERROR", message: end.error ?? "The sync run failed." });
  await tx
    .update(syncRuns)
    .set({
      status: end.status,
      error: end.error ?? null,
      errorCode: end.errorCode ?? null,
      resumesAt: end.resumesAt ?? null,
      phase: end.status === "succeeded" ? "done" : sql`${syncRuns.phase}`,
      finishedAt: end.status === "paused" ? null : new Date(),
      ...(end.apiCalls ? { apiCalls: sql`${syncRuns.apiCalls} + ${end.apiCalls}` } : {}),
    })
    .where(eq(syncRuns.id, runId));
  if (end.status !== "succeeded" && end.status !== "paused") {
    await tx
      .update(syncRunObjects)
      .set({ status: end.status, finishedAt: new Date() })
      .where(and(eq(syncRunObjects.runId, runId), eq(syncRunObjects.status, "in_progress")));
  }
}
