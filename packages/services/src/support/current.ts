import { and, eq, isNull } from "drizzle-orm";
import { memberships, supportAccessGrants, tenants, users, type PlatformDatabase } from "@ferry/db";
import type { Actor } from "../context";

/**
 * The staff member's open grant, for the banner: whose tenant, in which mode, until when. Looked
 * up by user across tenants (a staff member holds at most one), so it reads on the privileged connection.
 */
export async function currentSupportAccess({ db, actor }: { db: PlatformDatabase; actor: Actor }) {
  if (!actor.isStaff) return null;
  const [grant] = await db
    .select({
      grantId: supportAccessGrants.id,
      tenantId: supportAccessGrants.tenantId,
      tenantName: tenants.name,
      tenantSlug: tenants.slug,
      mode: supportAccessGrants.mode,
      reason: supportAccessGrants.reason,
      ticket: supportAccessGrants.ticket,
      elevationReason: supportAccessGrants.elevationReason,
      startedAt: supportAccessGrants.startedAt,
      expiresAt: supportAccessGrants.expiresAt,
    })
    .from(supportAccessGrants)
    .innerJoin(tenants, eq(tenants.id, supportAccessGrants.tenantId))
    .where(and(eq(supportAccessGrants.staffUserId, actor.userId), isNull(supportAccessGrants.endedAt)));
  if (!grant || grant.expiresAt.getTime() <= Date.now()) return null;
  return { ...grant, staffName: actor.name, staffEmail: actor.email };
}

/** Tenants whose live events a staff member receives through an open, unexpired grant. */
export async function supportTenantIds({ db, userId, isStaff }: { db: PlatformDatabase; userId: string; isStaff: boolean }): Promise<string[]> {
  if (!isStaff) return [];
  const rows = await db
    .select({ tenantId: supportAccessGrants.tenantId, expiresAt: supportAccessGrants.expiresAt })
    .from(supportAccessGrants)
    .where(and(eq(supportAccessGrants.staffUserId, userId), isNull(supportAccessGrants.endedAt)));
  const now = Date.now();
  return rows.filter((r) => r.expiresAt.getTime() > now).map((r) => r.tenantId);
}

/**
 * The tenant rooms a user's sockets belong in: their memberships, plus the tenant of an open
 * support grant while they are still staff (read fresh, so removing the flag takes the room away).
 */
export async function liveTenantIds({ db, userId }: { db: PlatformDatabase; userId: string }): Promise<string[]> {
  const [user] = await db.select({ role: users.role }).from(users).where(eq(users.id, userId));
  const member = await db.select({ tenantId: memberships.tenantId }).from(memberships).where(eq(memberships.userId, userId));
  const support = await supportTenantIds({ db, userId, isStaff: user?.role === "staff" });
  return [...new Set([...member.map((m) => m.tenantId), ...support])];
}
