import { desc, isNull, and, inArray } from "drizzle-orm";
import { notifications, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

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

export async function markNotificationsRead({ ctx, input }: { ctx: TenantContext; input: { ids: string[] } }) {
  requireRole(ctx, "viewer");
  if (input.ids.length === 0) return { updated: 0 };
  return withTenant(ctx, async (tx) => {
    const rows = await tx
      .update(notifications)
      .set({ readAt: new Date() })
      .where(and(inArray(notifications.id, input.ids), isNull(notifications.readAt)))
      .returning({ id: notifications.id });
    return { updated: rows.length };
  });
}
