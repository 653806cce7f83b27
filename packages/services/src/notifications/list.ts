import { desc, isNull, and, eq, inArray, not } from "drizzle-orm";
import { notifications, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { ForbiddenError } from "../errors";

export async function listNotifications({ ctx, input }: { ctx: TenantContext; input: { limit: number; unreadOnly?: boolean | undefined } }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(notifications)
      .where(input.unreadOnly ? isNull(notifications.readAt) : undefined)
      .orderBy(desc(notifications.createdAt))
      .limit(input.limit),
  );
}

/** The notifications that tell the tenant support is inside; support itself can never mark them read. */
export const SUPPORT_NOTIFICATION_TITLES = {
  entered: "Ferry support entered your tenant",
  elevated: "Ferry support can now make changes",
} as const;

/**
 * Marking read is a write: read-only support access may not, and support in any mode leaves the
 * notices of its own presence unread, so the tenant's admins still see them.
 */
export async function markNotificationsRead({ ctx, input }: { ctx: TenantContext; input: { ids: string[] } }) {
  requireRole(ctx, "viewer");
  if (ctx.access.kind === "support" && ctx.access.mode !== "write") {
    throw new ForbiddenError("Support access is read-only; elevate the access grant with a reason to make changes.");
  }
  if (input.ids.length === 0) return { updated: 0 };
  const bySupport = ctx.access.kind === "support";
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .update(notifications)
      .set({ readAt: new Date() })
      .where(
        and(
          inArray(notifications.id, input.ids),
          isNull(notifications.readAt),
          bySupport ? not(and(eq(notifications.kind, "info"), inArray(notifications.title, Object.values(SUPPORT_NOTIFICATION_TITLES)))!) : undefined,
        ),
      )
      .returning({ id: notifications.id });
    return { updated: rows.length };
  });
}
