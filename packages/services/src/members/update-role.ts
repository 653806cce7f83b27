import { eq } from "drizzle-orm";
import { memberships, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError } from "../errors";
import { refuseSupportGrantingStaff } from "../support/guards";
import { findMembership, ownerCount } from "./rules";

/** Admin or viewer; ownership changes hands only through transferOwnership. */
export async function updateMemberRole({ ctx, input }: { ctx: TenantContext; input: { membershipId: string; role: "admin" | "viewer" } }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, async (tx) => {
    const member = await findMembership(tx, input.membershipId);
    await refuseSupportGrantingStaff(tx, ctx, { userId: member.userId });
    if (member.role === input.role) return { membershipId: member.id, role: member.role };
    if (member.role === "owner") {
      requireRole(ctx, "owner");
      if ((await ownerCount(tx, ctx.tenantId)) <= 1) {
        throw new ConflictError("This is the tenant's only owner; transfer ownership to someone else first.");
      }
    }
    await tx.update(memberships).set({ role: input.role }).where(eq(memberships.id, member.id));
    await recordAudit(tx, ctx, {
      action: "member.role_change",
      targetType: "membership",
      targetId: member.id,
      details: { userId: member.userId, from: member.role, to: input.role },
    });
    return { membershipId: member.id, role: input.role };
  });
}
