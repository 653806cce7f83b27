import { asc, eq } from "drizzle-orm";
import { memberships, users, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

export async function listMembers({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, (tx) =>
    tx
      .select({
        id: memberships.id,
        userId: memberships.userId,
        role: memberships.role,
        joinedAt: memberships.createdAt,
        name: users.name,
        email: users.email,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .orderBy(asc(users.name)),
  );
}
