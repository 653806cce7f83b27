import type { Database } from "@ferry/db";
import type { Actor, TenantContext } from "../context";

/** The context of a support grant's own audit rows: the staff member, inside the tenant, through that grant. */
export function grantContext(db: Database, actor: Actor, grant: { tenantId: string; id: string; mode: "read" | "write" }, requestId?: string): TenantContext {
  return { db, actor, tenantId: grant.tenantId, access: { kind: "support", grantId: grant.id, mode: grant.mode }, requestId };
}
