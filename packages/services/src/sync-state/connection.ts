import { inArray, sql } from "drizzle-orm";
import { salesforceConnections, type connectionStates, type Transaction } from "@ferry/db";

export type ConnectionStatus = (typeof connectionStates)[number];

/** When the setup reached a step, set with the state that step leads to. */
type StepStamps = Partial<
  Pick<typeof salesforceConnections.$inferInsert, "fieldsSyncedAt" | "confirmedAt" | "mappingsAcceptedAt" | "syncEnabled" | "syncStartedAt">
>;

/**
 * The connection moves to `status` (a setup step done, the sync started, paused or resumed). With
 * `from`, only a connection in one of those states moves; the others stay as they are.
 */
export async function setConnectionStatus(
  tx: Transaction,
  status: ConnectionStatus,
  stamps: StepStamps = {},
  from?: readonly ConnectionStatus[],
): Promise<void> {
  await tx
    .update(salesforceConnections)
    .set({ state: status, ...stamps, updatedAt: new Date() })
    .where(from ? inArray(salesforceConnections.state, [...from]) : undefined);
}

/** The connection starts over (another way to log in was chosen): nothing validated, no login on record. */
export async function resetConnectionStatus(tx: Transaction): Promise<void> {
  await tx
    .update(salesforceConnections)
    .set({ state: "not_connected", validatedAt: null, fieldsSyncedAt: null, consecutiveLoginFailures: 0, lastError: null, updatedAt: new Date() });
}

/** Salesforce refused the stored credentials for good: the sync stays stopped until an admin enters new ones. */
export async function markConnectionFailed(tx: Transaction, reason: string): Promise<void> {
  await tx.update(salesforceConnections).set({ state: "failed", lastError: reason, updatedAt: new Date() });
}

/** A login with the stored credentials worked: the refused-login count starts again. */
export async function recordLoginAccepted(tx: Transaction): Promise<void> {
  const now = new Date();
  await tx.update(salesforceConnections).set({ consecutiveLoginFailures: 0, lastError: null, lastLoginAt: now, updatedAt: now });
}

/** Salesforce refused the stored credentials once more; returns how many times in a row it has. */
export async function recordLoginRefused(tx: Transaction, message: string): Promise<number> {
  const [row] = await tx
    .update(salesforceConnections)
    .set({ consecutiveLoginFailures: sql`${salesforceConnections.consecutiveLoginFailures} + 1`, lastError: message, updatedAt: new Date() })
    .returning({ failures: salesforceConnections.consecutiveLoginFailures });
  return row?.failures ?? 0;
}
