import { desc, eq } from "drizzle-orm";
import { invitations, withTenant } from "@ferry/db";
import { requireReadRole, type TenantContext } from "../context";

/**
 * The pending invitations. An invitation's id is its whole acceptance link, so support access (in
 * either mode) gets the list without ids: whoever holds one can take the role once the grant ends.
 */
export async function listInvitations({ ctx }: { ctx: TenantContext }) {
  requireReadRole(ctx, "admin");
  const rows = await withTenant(ctx, (tx) =>
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
  const member = ctx.access.kind === "member";
  return rows.map((row) => ({ ...row, id: member ? row.id : null }));
}
