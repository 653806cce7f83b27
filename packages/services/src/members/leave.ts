import { and, eq } from "drizzle-orm";
import { memberships, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, ForbiddenError } from "../errors";
import { ownerCount } from "./rules";

export async function leaveTenant({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  if (ctx.access.kind !== "member") throw new ForbiddenError("Support access is not a membership; end it with End in the support banner.");
  const role = ctx.access.role;
  return withTenant(ctx, async (tx) => {
    if (role === "owner" && (await ownerCount(tx, ctx.tenantId)) <= 1) {
      throw new ConflictError("You are the tenant's only owner; transfer ownership to another member before leaving.");
    }
    const [left] = await tx
      .delete(memberships)
      .where(and(eq(memberships.tenantId, ctx.tenantId), eq(memberships.userId, ctx.actor.userId)))
      .returning({ id: memberships.id });
    await recordAudit(tx, ctx, { action: "member.leave", targetType: "membership", targetId: left?.id, details: { role } });
    return { tenantId: ctx.tenantId };
  });
}
