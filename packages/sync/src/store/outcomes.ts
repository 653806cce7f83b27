import { salesforceConnections, syncStates, withTenant, type DatabaseHandle } from "@ferry/db";
import { createNotification } from "@ferry/services";
import type { RunOutcome, SyncLogger } from "../engine";
import type { SyncEmitter } from "../progress";
import { finishRun, setSyncState, type SyncStateKind } from "./runs";

/** Whose run ends here, and where its status and notification events go. */
export interface RunTarget {
  database: DatabaseHandle;
  tenantId: string;
  runId: string;
  emitter?: SyncEmitter | undefined;
  logger?: SyncLogger | undefined;
}

export async function emitSyncStatus(
  target: Pick<RunTarget, "tenantId" | "emitter" | "logger">,
  status: { state: SyncStateKind | "paused"; message?: string; lastSyncedAt?: string; resumesAt?: string },
): Promise<void> {
  await target.emitter
    ?.emit(target.tenantId, "sync.status", { tenantId: target.tenantId, ...status })
    .catch((error: unknown) => target.logger?.warn({ err: error }, "status event not sent"));
}

type Notification = Awaited<ReturnType<typeof createNotification>>;

async function emitNotification(target: RunTarget, notification: Notification | undefined): Promise<void> {
  if (notification) await target.emitter?.emit(target.tenantId, "notification", notification).catch(() => undefined);
}

export interface ApiLimitPause {
  /** `api_capped`: Ferry's own daily cap; `org_limited`: Salesforce's limit for the whole org. */
  state: "api_capped" | "org_limited";
  errorCode: "API_CAP_REACHED" | "REQUEST_LIMIT_EXCEEDED";
  reason: string;
  resumesAt: Date;
  apiCalls: number;
  usage: { apiUsed?: number; apiLimit?: number | null; apiCheckedAt?: Date };
  /** Sent once per pause: not again while the tenant stays in the same state. */
  notification: { title: string; body: string };
}

/** The run waits for the API budget: paused until `resumesAt`, the tenant's badge shows why. */
export async function pauseForApiLimit(target: RunTarget, pause: ApiLimitPause): Promise<RunOutcome> {
  const { tenantId, runId } = target;
  const notification = await withTenant({ db: target.database.db, tenantId }, async (tx) => {
    await finishRun(tx, runId, { status: "paused", error: pause.reason, errorCode: pause.errorCode, resumesAt: pause.resumesAt, apiCalls: pause.apiCalls });
    const before = (await tx.select({ state: syncStates.state }).from(syncStates).limit(1))[0];
    await setSyncState(tx, tenantId, { state: pause.state, message: pause.reason, resumesAt: pause.resumesAt, ...pause.usage });
    if (before?.state === pause.state) return undefined;
    return createNotification(tx, { tenantId }, { kind: "api_cap_reached", ...pause.notification });
  });
  await emitSyncStatus(target, { state: pause.state, message: pause.reason, resumesAt: pause.resumesAt.toISOString() });
  await emitNotification(target, notification);
  return { outcome: "paused", resumesAt: pause.resumesAt, reason: pause.reason };
}

/**
 * Salesforce refused the stored credentials: the run fails, the connection is marked failed and
 * the admins are told to update them. Retrying would only count towards Salesforce's lockout.
 */
export async function failForCredentials(target: RunTarget, refusal: { code: string; message: string; apiCalls?: number }): Promise<RunOutcome> {
  const { tenantId, runId } = target;
  const reason = `Salesforce refused the stored credentials (${refusal.code}): ${refusal.message}`;
  const notification = await withTenant({ db: target.database.db, tenantId }, async (tx) => {
    await finishRun(tx, runId, { status: "failed", error: reason, errorCode: refusal.code, ...(refusal.apiCalls ? { apiCalls: refusal.apiCalls } : {}) });
    await setSyncState(tx, tenantId, { state: "failed", message: reason.slice(0, 300) });
    await tx.update(salesforceConnections).set({ state: "failed", lastError: reason, updatedAt: new Date() });
    return createNotification(
      tx,
      { tenantId },
      {
        kind: "credentials_expired",
        title: "Salesforce credentials stopped working",
        body: `${reason.slice(0, 400)} Update them under Admin > Salesforce; sync stays stopped until then.`,
      },
    );
  });
  await emitSyncStatus(target, { state: "failed", message: reason.slice(0, 300) });
  await emitNotification(target, notification);
  return { outcome: "failed", code: refusal.code, reason };
}
