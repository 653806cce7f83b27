import { eq } from "drizzle-orm";
import { invitations, tenants, users, type PlatformDatabase } from "@ferry/db";
import { NotFoundError } from "../errors";

/**
 * What the invitation link shows before sign-in. The link's id is the capability, and the
 * invitee is not a member yet, so this is an unscoped read of that one invitation.
 */
export async function viewInvitation({ db, invitationId }: { db: PlatformDatabase; invitationId: string }) {
  const [row] = await db
    .select({
      id: invitations.id,
      email: invitations.email,
      role: invitations.role,
      status: invitations.status,
      expiresAt: invitations.expiresAt,
      tenantId: invitations.tenantId,
      tenantName: tenants.name,
      inviterName: users.name,
    })
    .from(invitations)
    .innerJoin(tenants, eq(tenants.id, invitations.tenantId))
    .innerJoin(users, eq(users.id, invitations.inviterId))
    .where(eq(invitations.id, invitationId));
  if (!row) throw new NotFoundError("This invitation link is not valid. Ask your admin for a new one.");
  const expired = row.expiresAt.getTime() < Date.now();
  return { ...row, usable: row.status === "pending" && !expired, expired };
}
