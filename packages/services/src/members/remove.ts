import { eq } from "drizzle-orm";
import { memberships, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError } from "../errors";
import { findMembership } from "./rules";

export async function removeMember({ ctx, input }: { ctx: TenantContext; input: { membershipId: string } }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, async (tx) => {
    const member = await findMembership(tx, input.membershipId);
    if (member.userId === ctx.actor.userId) throw new ConflictError("To remove yourself, use Leave tenant.");
    // Only an owner removes an owner; the last owner is never removed because the actor is another owner.
    if (member.role === "owner") requireRole(ctx, "owner");
    await tx.delete(memberships).where(eq(memberships.id, member.id));
    await recordAudit(tx, ctx, {
      action: "member.remove",
      targetType: "membership",
      targetId: member.id,
      details: { userId: member.userId, role: member.role },
    });
    return { membershipId: member.id, userId: member.userId };
  });
}
