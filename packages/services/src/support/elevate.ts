import { and, eq, isNull } from "drizzle-orm";
import { supportAccessGrants, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { createNotification } from "../notifications/create";
import { SUPPORT_NOTIFICATION_TITLES } from "../notifications/list";
import type { TenantContext } from "../context";
import { ConflictError, ForbiddenError } from "../errors";
import { checkReason } from "./limits";

/** Write access for the rest of the grant, with its own reason; the grant's expiry does not move. */
export async function elevateSupportAccess({ ctx, input }: { ctx: TenantContext; input: { reason: string } }) {
  if (ctx.access.kind !== "support") throw new ForbiddenError("Only support access can be elevated; members already act with their role.");
  if (ctx.access.mode === "write") throw new ConflictError("This support access already has write access.");
  const reason = checkReason(input.reason, "Elevating to write access");
  const grantId = ctx.access.grantId;
  return withTenant(ctx, async (tx) => {
    const [grant] = await tx
      .update(supportAccessGrants)
      .set({ mode: "write", elevationReason: reason, elevatedAt: new Date() })
      .where(and(eq(supportAccessGrants.id, grantId), eq(supportAccessGrants.mode, "read"), isNull(supportAccessGrants.endedAt)))
      .returning({ id: supportAccessGrants.id, expiresAt: supportAccessGrants.expiresAt });
    if (!grant) throw new ConflictError("This support access has ended or was already elevated; reload the page.");
    await recordAudit(
      tx,
      { ...ctx, access: { kind: "support", grantId, mode: "write" } },
      {
        action: "support.elevate",
        targetType: "support_access",
        targetId: grantId,
        reason,
        details: { mode: "write", staffName: ctx.actor.name },
      },
    );
    const notification = await createNotification(tx, ctx, {
      kind: "info",
      title: SUPPORT_NOTIFICATION_TITLES.elevated,
      body: `${ctx.actor.name} asked for write access until the support session ends. Reason: ${reason}`.slice(0, 500),
    });
    return { grantId, mode: "write" as const, expiresAt: grant.expiresAt, notification };
  });
}
