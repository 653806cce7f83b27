import { syncStates, type Transaction } from "@ferry/db";
import { createNotification } from "../notifications/create";
import { markConnectionFailed } from "./connection";
import { finishRun } from "./runs";
import { setSyncState } from "./state";

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

/** The run waits for the API budget: paused until `resumesAt`. Returns the notification to send live, if this pause is new. */
export async function recordApiLimitPause(tx: Transaction, tenantId: string, runId: string, pause: ApiLimitPause) {
  await finishRun(tx, runId, { status: "paused", error: pause.reason, errorCode: pause.errorCode, resumesAt: pause.resumesAt, apiCalls: pause.apiCalls });
  const before = (await tx.select({ state: syncStates.state }).from(syncStates).limit(1))[0];
  await setSyncState(tx, tenantId, { state: pause.state, message: pause.reason, resumesAt: pause.resumesAt, ...pause.usage });
  if (before?.state === pause.state) return undefined;
  return createNotification(tx, { tenantId }, { kind: "api_cap_reached", ...pause.notification });
}

/**
 * Salesforce refused the stored credentials: the run fails, the connection is marked failed and
 * the admins are told to update them. Returns the reason shown and the notification to send live.
 */
export async function recordCredentialRefusal(tx: Transaction, tenantId: string, runId: string, refusal: { code: string; message: string; apiCalls?: number }) {
  const reason = `Salesforce refused the stored credentials (${refusal.code}): ${refusal.message}`;
  await finishRun(tx, runId, { status: "failed", error: reason, errorCode: refusal.code, ...(refusal.apiCalls ? { apiCalls: refusal.apiCalls } : {}) });
  await setSyncState(tx, tenantId, { state: "failed", message: reason.slice(0, 300) });
  await markConnectionFailed(tx, reason);
  const notification = await createNotification(
    tx,
    { tenantId },
    {
      kind: "credentials_expired",
      title: "Salesforce credentials stopped working",
      body: `${reason.slice(0, 400)} Update them under Admin > Salesforce; sync stays stopped until then.`,
    },
  );
  return { reason, notification };
}
