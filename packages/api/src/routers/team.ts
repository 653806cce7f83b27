import { z } from "zod";
import {
  acceptInvitation,
  createInvitation,
  emailAddress,
  idText,
  listAuditLog,
  listInvitations,
  listNotifications,
  listOutbox,
  markNotificationsRead,
  revokeInvitation,
  viewInvitation,
  ForbiddenError,
  setActiveTenant,
} from "@ferry/services";
import { publishNotification } from "../live";
import { authedProcedure, publicProcedure, router, tenantProcedure } from "../trpc";

export const invitationRouter = router({
  list: tenantProcedure.query(({ ctx }) => listInvitations({ ctx: ctx.tenant })),
  create: tenantProcedure.input(z.object({ email: emailAddress, role: z.enum(["admin", "viewer"]) })).mutation(async ({ ctx, input }) => {
    const { notification, ...invitation } = await createInvitation({ ctx: ctx.tenant, input, portalUrl: ctx.portalUrl });
    await publishNotification(ctx, notification);
    return invitation;
  }),
  revoke: tenantProcedure.input(z.object({ invitationId: idText })).mutation(({ ctx, input }) => revokeInvitation({ ctx: ctx.tenant, input })),
  view: publicProcedure.input(z.object({ invitationId: idText })).query(async ({ ctx, input }) => {
    const invitation = await viewInvitation({ db: ctx.platform, invitationId: input.invitationId });
    return {
      email: invitation.email,
      role: invitation.role,
      tenantName: invitation.tenantName,
      inviterName: invitation.inviterName,
      usable: invitation.usable,
      expired: invitation.expired,
      status: invitation.status,
    };
  }),
  accept: authedProcedure.input(z.object({ invitationId: idText })).mutation(async ({ ctx, input }) => {
    const { notification, ...accepted } = await acceptInvitation({
      ctx: { db: ctx.db, platform: ctx.platform, actor: ctx.actor, requestId: ctx.requestId },
      input,
    });
    await setActiveTenant({ db: ctx.platform, actor: ctx.actor, session: { id: ctx.session.sessionId }, tenantId: accepted.tenantId });
    await publishNotification(ctx, notification);
    return accepted;
  }),
});

export const outboxRouter = router({
  list: tenantProcedure.query(({ ctx }) => {
    if (!ctx.showOutbox) throw new ForbiddenError("The email outbox is shown in development only.");
    return listOutbox({ ctx: ctx.tenant, input: { limit: 50 } });
  }),
});

/** A page cursor Postgres can compare: JavaScript dates reach year 275760, timestamptz does not (that was a 500). */
const auditCursor = z
  .date()
  .min(new Date("2000-01-01T00:00:00Z"), "Use a date from the year 2000 on.")
  .max(new Date("9999-12-31T23:59:59Z"), "Use a date before the year 10000.");

export const auditRouter = router({
  list: tenantProcedure
    .input(
      z.object({
        limit: z.number().int().min(1).max(200).default(50),
        before: auditCursor.optional(),
        area: z.enum(["salesforce", "people", "support", "records"]).optional(),
        outcome: z.enum(["success", "failure", "denied"]).optional(),
      }),
    )
    .query(({ ctx, input }) => listAuditLog({ ctx: ctx.tenant, input })),
});

export const notificationRouter = router({
  list: tenantProcedure
    .input(z.object({ limit: z.number().int().min(1).max(100).default(20), unreadOnly: z.boolean().optional() }))
    .query(({ ctx, input }) => listNotifications({ ctx: ctx.tenant, input })),
  markRead: tenantProcedure.input(z.object({ ids: z.array(idText).max(100) })).mutation(({ ctx, input }) => markNotificationsRead({ ctx: ctx.tenant, input })),
});
