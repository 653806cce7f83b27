import { and, eq } from "drizzle-orm";
import { memberships, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, ForbiddenError } from "../errors";
import { findMembership } from "./rules";

/** The new owner takes over; the previous owner stays on as an admin. Only a member who owns the tenant can do this. */
export async function transferOwnership({ ctx, input }: { ctx: TenantContext; input: { membershipId: string } }) {
  requireRole(ctx, "owner");
  if (ctx.access.kind !== "member") throw new ForbiddenError("Only an owner of the tenant can transfer ownership.");
  return withTenant(ctx, async (tx) => {
    const target = await findMembership(tx, input.membershipId);
    if (target.userId === ctx.actor.userId) throw new ConflictError("You already own this tenant; choose another member.");
    if (target.role === "owner") throw new ConflictError("That member is already an owner.");
    await tx.update(memberships).set({ role: "owner" }).where(eq(memberships.id, target.id));
    await tx
      .update(memberships)
      .set({ role: "admin" })
      .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, ctx.actor.userId)));
    await recordAudit(tx, ctx, {
      action: "member.transfer_ownership",
      targetType: "membership",
      targetId: target.id,
      details: { toUserId: target.userId, fromUserId: ctx.actor.userId },
    });
    return { membershipId: target.id };
  });
}
