import { and, eq, gt, isNull } from "drizzle-orm";
import { memberships, supportAccessGrants, tenants, withTenant, type Database } from "@ferry/db";
import type { Actor, TenantAccess } from "../context";
import { ForbiddenError, NotFoundError } from "../errors";

/**
 * Decides once per request how the actor may be in the tenant: a membership, or (staff only) an
 * unexpired, unended support access grant. Anything else is refused.
 */
export async function resolveTenantAccess({
  db,
  actor,
  tenantId,
}: {
  db: Database;
  actor: Actor;
  tenantId: string;
}): Promise<{ access: TenantAccess; tenantName: string }> {
  // Everything read here belongs to the tenant in question, so it reads under that tenant's scope.
  const found = await withTenant({ db, tenantId }, async (tx) => {
    const [tenant] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId));
    if (!tenant) return undefined;
    const [member] = await tx
      .select({ role: memberships.role })
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, actor.userId)));
    if (member) return { access: { kind: "member", role: member.role } as TenantAccess, tenantName: tenant.name };
    if (!actor.isStaff) return { tenantName: tenant.name };
    const [grant] = await tx
      .select({ id: supportAccessGrants.id, mode: supportAccessGrants.mode })
      .from(supportAccessGrants)
      .where(
        and(
          eq(supportAccessGrants.tenantId, tenantId),
          eq(supportAccessGrants.staffUserId, actor.userId),
          isNull(supportAccessGrants.endedAt),
          gt(supportAccessGrants.expiresAt, new Date()),
        ),
      );
    return { access: grant ? ({ kind: "support", grantId: grant.id, mode: grant.mode } as TenantAccess) : undefined, tenantName: tenant.name };
  });
  if (!found) throw new NotFoundError("That tenant does not exist.");
  if (found.access) return { access: found.access, tenantName: found.tenantName };
  throw new ForbiddenError(
    actor.isStaff ? "You have no active support access to this tenant; enter it again from the support console." : "You are not a member of this tenant.",
  );
}
