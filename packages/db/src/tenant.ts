import { sql } from "drizzle-orm";
import type { Database, Transaction } from "./client";

import { RUNTIME_ROLE } from "./roles";

export { RUNTIME_ROLE };

export interface TenantScope {
  db: Database;
  tenantId: string;
}

/**
 * Runs `fn` in a transaction that can only see and write `tenantId`'s rows: the tenant goes into
 * a transaction-local setting read by the RLS policies, and the role drops to one that is neither
 * superuser, owner nor BYPASSRLS, so FORCE ROW LEVEL SECURITY applies.
 */
export async function withTenant<T>(scope: TenantScope, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  if (!scope.tenantId) throw new Error("withTenant needs a tenant id");
  return scope.db.transaction(async (tx) => {
    await tx.execute(sql`select set_config('app.tenant_id', ${scope.tenantId}, true)`);
    await tx.execute(sql.raw(`set local role ${RUNTIME_ROLE}`));
    return fn(tx as unknown as Transaction);
  });
}

/** The runtime role without any tenant: sees no tenant rows at all. Used to prove isolation. */
export async function withoutTenant<T>(db: Database, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local role ${RUNTIME_ROLE}`));
    return fn(tx as unknown as Transaction);
  });
}
