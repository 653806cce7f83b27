import { withTenant, type DatabaseHandle } from "@ferry/db";
import { recordApiLimitPause, recordCredentialRefusal, type ApiLimitPause, type createNotification, type SyncStateKind } from "@ferry/services";
import type { RunOutcome, SyncLogger } from "../engine";
import type { SyncEmitter } from "../progress";

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

/** The run waits for the API budget: paused until `resumesAt`, the tenant's badge shows why. */
export async function pauseForApiLimit(target: RunTarget, pause: ApiLimitPause): Promise<RunOutcome> {
  const { tenantId, runId } = target;
  const notification = await withTenant({ db: target.database.db, tenantId }, (tx) => recordApiLimitPause(tx, tenantId, runId, pause));
  await emitSyncStatus(target, { state: pause.state, message: pause.reason, resumesAt: pause.resumesAt.toISOString() });
  await emitNotification(target, notification);
  return { outcome: "paused", resumesAt: pause.resumesAt, reason: pause.reason };
}

/** Salesforce refused the stored credentials: the run fails for good; retrying would only count towards Salesforce's lockout. */
export async function failForCredentials(target: RunTarget, refusal: { code: string; message: string; apiCalls?: number }): Promise<RunOutcome> {
  const { tenantId, runId } = target;
  const { reason, notification } = await withTenant({ db: target.database.db, tenantId }, (tx) => recordCredentialRefusal(tx, tenantId, runId, refusal));
  await emitSyncStatus(target, { state: "failed", message: reason.slice(0, 300) });
  await emitNotification(target, notification);
  return { outcome: "failed", code: refusal.code, reason };
}
