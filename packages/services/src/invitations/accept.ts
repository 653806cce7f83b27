import { and, eq } from "drizzle-orm";
import { invitations, memberships, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { createNotification } from "../notifications/create";
import type { AuthedContext } from "../context";
import { ConflictError, ForbiddenError } from "../errors";
import { viewInvitation } from "./view";

export async function acceptInvitation({ ctx, input }: { ctx: AuthedContext; input: { invitationId: string } }) {
  const invitation = await viewInvitation({ db: ctx.platform, invitationId: input.invitationId });
  if (invitation.expired) throw new ConflictError("This invitation has expired. Ask your admin to invite you again.");
  if (invitation.status !== "pending") throw new ConflictError(`This invitation was already ${invitation.status}.`);
  if (invitation.email !== ctx.actor.email.toLowerCase()) {
    throw new ForbiddenError(`This invitation is for ${invitation.email}; you are signed in as ${ctx.actor.email}.`);
  }
  const tenantCtx = {
    db: ctx.db,
    actor: ctx.actor,
    tenantId: invitation.tenantId,
    access: { kind: "member" as const, role: invitation.role },
    requestId: ctx.requestId,
  };
  const notification = await withTenant(tenantCtx, async (tx) => {
    const accepted = await tx
      .update(invitations)
      .set({ status: "accepted" })
      .where(and(eq(invitations.id, invitation.id), eq(invitations.status, "pending")))
      .returning({ id: invitations.id });
    if (accepted.length === 0) throw new ConflictError("This invitation was used a moment ago.");
    await tx
      .insert(memberships)
      .values({ tenantId: invitation.tenantId, id: crypto.randomUUID(), userId: ctx.actor.userId, role: invitation.role })
      .onConflictDoNothing();
    await recordAudit(tx, tenantCtx, { action: "invitation.accept", targetType: "invitation", targetId: invitation.id, details: { role: invitation.role } });
    return createNotification(tx, tenantCtx, {
      kind: "member_joined",
      title: "New member",
      body: `${ctx.actor.name} joined as ${invitation.role}.`,
    });
  });
  return { tenantId: invitation.tenantId, tenantName: invitation.tenantName, notification };
}
