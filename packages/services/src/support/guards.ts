import { eq } from "drizzle-orm";
import { users, type Transaction } from "@ferry/db";
import type { TenantContext } from "../context";
import { ForbiddenError } from "../errors";

/**
 * Support access never becomes a role: a staff member inside a tenant through a grant may not
 * invite, promote or hand ownership to themselves or to any other staff account.
 */
export async function refuseSupportGrantingStaff(tx: Transaction, ctx: TenantContext, target: { userId?: string; email?: string }): Promise<void> {
  if (ctx.access.kind !== "support") return;
  if (target.userId === ctx.actor.userId || (target.email && target.email.toLowerCase() === ctx.actor.email.toLowerCase())) {
    throw new ForbiddenError("Support staff cannot give themselves a role in a customer's tenant.");
  }
  const [user] = await tx
    .select({ role: users.role })
    .from(users)
    .where(target.userId ? eq(users.id, target.userId) : eq(users.email, (target.email ?? "").toLowerCase()));
  if (user?.role === "staff") throw new ForbiddenError("Support staff cannot give a role to a Ferry staff account.");
}
