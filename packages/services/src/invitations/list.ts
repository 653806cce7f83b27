import { desc, eq } from "drizzle-orm";
import { invitations, withTenant } from "@ferry/db";
import { requireReadRole, type TenantContext } from "../context";

export async function listInvitations({ ctx }: { ctx: TenantContext }) {
  requireReadRole(ctx, "admin");
  return withTenant(ctx, (tx) =>
    tx
      .select({
        id: invitations.id,
        email: invitations.email,
        role: invitations.role,
        status: invitations.status,
        expiresAt: invitations.expiresAt,
        createdAt: invitations.createdAt,
      })
      .from(invitations)
      .where(eq(invitations.status, "pending"))
      .orderBy(desc(invitations.createdAt)),
  );
}
