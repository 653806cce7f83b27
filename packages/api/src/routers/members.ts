import { z } from "zod";
import { leaveTenant, listMembers, removeMember, transferOwnership, updateMemberRole } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

const membershipId = z.string().min(1).max(64);

export const memberRouter = router({
  list: tenantProcedure.query(({ ctx }) => listMembers({ ctx: ctx.tenant })),
  updateRole: tenantProcedure
    .input(z.object({ membershipId, role: z.enum(["admin", "viewer"]) }))
    .mutation(({ ctx, input }) => updateMemberRole({ ctx: ctx.tenant, input })),
  remove: tenantProcedure.input(z.object({ membershipId })).mutation(async ({ ctx, input }) => {
    const removed = await removeMember({ ctx: ctx.tenant, input });
    await ctx.refreshRooms?.(removed.userId);
    return removed;
  }),
  transferOwnership: tenantProcedure.input(z.object({ membershipId })).mutation(({ ctx, input }) => transferOwnership({ ctx: ctx.tenant, input })),
  leave: tenantProcedure.mutation(async ({ ctx }) => {
    const left = await leaveTenant({ ctx: ctx.tenant });
    await ctx.refreshRooms?.(ctx.actor.userId);
    return left;
  }),
});
