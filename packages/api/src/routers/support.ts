import { z } from "zod";
import {
  consoleFilters,
  consoleTenantDetail,
  currentSupportAccess,
  elevateSupportAccess,
  endSupportAccessForUser,
  listConsoleTenants,
  setActiveTenant,
  startSupportAccess,
  SUPPORT_REASON_MIN_LENGTH,
  type EndedGrant,
} from "@ferry/services";
import type { ApiContext } from "../context";
import { publishNotification } from "../live";
import { authedProcedure, router, staffProcedure, tenantProcedure } from "../trpc";

const reason = z.string().trim().min(SUPPORT_REASON_MIN_LENGTH, `Give a reason of at least ${SUPPORT_REASON_MIN_LENGTH} characters.`).max(500);

export const supportRouter = router({
  tenants: staffProcedure
    .input(z.object({ search: z.string().max(120).optional(), filter: z.enum(consoleFilters).default("all") }))
    .query(({ ctx, input }) => listConsoleTenants({ db: ctx.platform, actor: ctx.actor, input })),

  tenant: staffProcedure
    .input(z.object({ tenantId: z.string().min(1).max(64) }))
    .query(({ ctx, input }) => consoleTenantDetail({ db: ctx.platform, actor: ctx.actor, input })),

  /** The banner's source: the signed-in staff member's open support access, or null for everyone else. */
  current: authedProcedure.query(async ({ ctx }) => {
    const grant = await currentSupportAccess({ db: ctx.platform, actor: ctx.actor });
    return grant ? { ...grant, active: ctx.session.activeTenantId === grant.tenantId } : null;
  }),

  start: staffProcedure
    .input(
      z.object({
        tenantId: z.string().min(1).max(64),
        reason,
        ticket: z.string().trim().max(80).optional(),
        minutes: z.number().int().min(1).max(60).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const grant = await startSupportAccess({
        db: ctx.platform,
        actor: ctx.actor,
        input,
        requestId: ctx.requestId,
        ...(ctx.supportAccessMaxSeconds ? { maxSeconds: ctx.supportAccessMaxSeconds } : {}),
      });
      await setActiveTenant({ db: ctx.platform, actor: ctx.actor, session: { id: ctx.session.sessionId }, tenantId: grant.tenantId });
      await ctx.refreshRooms?.(ctx.actor.userId);
      await announce(ctx, { tenantId: grant.tenantId, grantId: grant.id, state: "started", staffName: ctx.actor.name, endsAt: grant.expiresAt });
      await publishNotification(ctx, grant.notification);
      return { grantId: grant.id, tenantId: grant.tenantId, tenantName: grant.tenantName, mode: grant.mode, expiresAt: grant.expiresAt };
    }),

  elevate: tenantProcedure.input(z.object({ reason })).mutation(async ({ ctx, input }) => {
    const { notification, ...elevated } = await elevateSupportAccess({ ctx: ctx.tenant, input });
    await publishNotification(ctx, notification);
    return elevated;
  }),

  end: staffProcedure.mutation(async ({ ctx }) => {
    const ended = await endSupportAccessForUser({ db: ctx.platform, userId: ctx.actor.userId, why: "ended", requestId: ctx.requestId });
    await afterSupportEnded(ctx, ended);
    return { ended: ended.length };
  }),
});

/** Tells the tenant's browsers (the staff member's included) before the staff member's sockets leave the room. */
export async function afterSupportEnded(ctx: Pick<ApiContext, "events" | "log" | "requestId" | "refreshRooms">, ended: EndedGrant[]) {
  for (const grant of ended) {
    // Also to the staff member's own room: a socket of theirs that reconnected first has left the tenant's.
    await announce(ctx, { tenantId: grant.tenantId, grantId: grant.grantId, state: "ended", staffName: grant.staffName }, [grant.staffUserId]);
  }
  for (const userId of new Set(ended.map((g) => g.staffUserId))) await ctx.refreshRooms?.(userId);
}

async function announce(
  ctx: Pick<ApiContext, "events" | "log" | "requestId">,
  event: { tenantId: string; grantId: string; state: "started" | "ended"; staffName: string; endsAt?: Date },
  alsoToUsers: readonly string[] = [],
) {
  if (!ctx.events) return;
  const { endsAt, ...rest } = event;
  await ctx.events
    .emit(event.tenantId, "support.access", { ...rest, ...(endsAt ? { endsAt: endsAt.toISOString() } : {}), at: new Date().toISOString() }, { alsoToUsers })
    .catch((error: unknown) => ctx.log?.warn({ err: error, requestId: ctx.requestId }, "support access event not delivered"));
}
