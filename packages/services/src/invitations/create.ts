import { and, eq } from "drizzle-orm";
import { emailOutbox, invitations, memberships, tenants, users, withTenant, type TenantRole } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { createNotification } from "../notifications/create";
import { requireRole, type TenantContext } from "../context";
import { ConflictError } from "../errors";
import { refuseSupportGrantingStaff } from "../support/guards";

const INVITATION_DAYS = 7;

export async function createInvitation({
  ctx,
  input,
  portalUrl,
}: {
  ctx: TenantContext;
  input: { email: string; role: Exclude<TenantRole, "owner"> };
  portalUrl: string;
}) {
  requireRole(ctx, "admin");
  const email = input.email.trim().toLowerCase();
  return withTenant(ctx, async (tx) => {
    await refuseSupportGrantingStaff(tx, ctx, { email });
    const [existing] = await tx
      .select({ id: memberships.id })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(users.email, email));
    if (existing) throw new ConflictError(`${email} is already a member of this tenant.`);
    // Re-inviting replaces the pending invitation, so only the newest link works.
    await tx
      .update(invitations)
      .set({ status: "canceled" })
      .where(and(eq(invitations.email, email), eq(invitations.status, "pending")));
    const id = crypto.randomUUID();
    const expiresAt = new Date(Date.now() + INVITATION_DAYS * 24 * 3600 * 1000);
    await tx.insert(invitations).values({
      tenantId: ctx.tenantId,
      id,
      email,
      role: input.role,
      status: "pending",
      inviterId: ctx.actor.userId,
      expiresAt,
    });
    const [tenant] = await tx.select({ name: tenants.name }).from(tenants);
    const link = `${portalUrl}/invite/${id}`;
    await tx.insert(emailOutbox).values({
      tenantId: ctx.tenantId,
      to: email,
      subject: `${ctx.actor.name} invited you to ${tenant?.name ?? "a tenant"} on Ferry`,
      body: `You have been invited as ${input.role}. The link works for ${INVITATION_DAYS} days: ${link}`,
      link,
      meta: { invitationId: id, role: input.role },
    });
    await recordAudit(tx, ctx, { action: "invitation.create", targetType: "invitation", targetId: id, details: { email, role: input.role } });
    const notification = await createNotification(tx, ctx, {
      kind: "invitation_sent",
      title: "Invitation sent",
      body: `${ctx.actor.name} invited ${email} as ${input.role}.`,
    });
    return { id, email, role: input.role, expiresAt, link, notification };
  });
}
