import { and, eq } from "drizzle-orm";
import { invitations, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError } from "../errors";

export async function revokeInvitation({ ctx, input }: { ctx: TenantContext; input: { invitationId: string } }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, async (tx) => {
    const revoked = await tx
      .update(invitations)
      .set({ status: "canceled" })
      .where(and(eq(invitations.id, input.invitationId), eq(invitations.status, "pending")))
      .returning({ id: invitations.id, email: invitations.email });
    if (revoked.length === 0) throw new NotFoundError("No pending invitation with that id in this tenant.");
    await recordAudit(tx, ctx, { action: "invitation.revoke", targetType: "invitation", targetId: input.invitationId, details: { email: revoked[0]!.email } });
  });
}
