import { syncStates, type syncStateKinds, type Transaction } from "@ferry/db";

export type SyncStateKind = (typeof syncStateKinds)[number];

/** The tenant's one sync state row (the badge): created on first use, patched after. */
export async function setSyncState(tx: Transaction, tenantId: string, patch: Partial<Omit<typeof syncStates.$inferInsert, "tenantId">>): Promise<void> {
  await tx
    .insert(syncStates)
    .values({ tenantId, ...patch, updatedAt: new Date() })
    .onConflictDoUpdate({ target: syncStates.tenantId, set: { ...patch, updatedAt: new Date() } });
}
