import { and, eq, inArray, sql } from "drizzle-orm";
import { pushQueue, type Transaction } from "@ferry/db";

export type PushState = (typeof pushQueue.$inferSelect)["state"];

/** What the record browser shows of a push. */
export const pushColumns = {
  id: pushQueue.id,
  state: pushQueue.state,
  changes: pushQueue.changes,
  errorCode: pushQueue.errorCode,
  errorMessage: pushQueue.errorMessage,
  createdAt: pushQueue.createdAt,
  updatedAt: pushQueue.updatedAt,
};

/** An edit of two-way fields waits here for the next push run. */
export async function queuePush(
  tx: Transaction,
  edit: Pick<typeof pushQueue.$inferInsert, "tenantId" | "object" | "sfId" | "changes" | "baseModstamp" | "editedBy">,
) {
  const [push] = await tx.insert(pushQueue).values(edit).returning(pushColumns);
  return push!;
}

/** A push batch is on its way to Salesforce: a crash now leaves them in flight, and the next push run sends them again. */
export async function markPushesInFlight(tx: Transaction, ids: string[]): Promise<void> {
  await tx.update(pushQueue).set({ state: "in_flight", updatedAt: new Date() }).where(inArray(pushQueue.id, ids));
}

/** Salesforce's answer for these pushes (or the conflict rule's): each counts as one attempt. */
export async function settlePushes(
  tx: Transaction,
  ids: string[],
  outcome: { state: PushState; errorCode: string | null; errorMessage: string | null },
): Promise<void> {
  await tx
    .update(pushQueue)
    .set({ ...outcome, attempts: sql`${pushQueue.attempts} + 1`, updatedAt: new Date() })
    .where(inArray(pushQueue.id, ids));
}

/** An admin retries these records' failed pushes: they queue again with fresh attempts. Returns how many. */
export async function requeueFailedPushes(tx: Transaction, object: string, sfIds: string[]): Promise<number> {
  const again = await tx
    .update(pushQueue)
    .set({ state: "queued", errorCode: null, errorMessage: null, updatedAt: new Date(), attempts: sql`0` })
    .where(and(eq(pushQueue.object, object), inArray(pushQueue.sfId, sfIds), inArray(pushQueue.state, ["failed", "conflict"])))
    .returning({ id: pushQueue.id });
  return again.length;
}
