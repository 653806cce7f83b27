import type { ApiContext } from "./context";

interface StoredNotification {
  id: string;
  tenantId: string;
  kind: string;
  title: string;
  body: string;
}

/**
 * Sends a stored notification to the tenant's browsers. The database already holds it, so a
 * failed emit only costs immediacy: it is logged, never surfaced as a failed request.
 */
export async function publishNotification(ctx: ApiContext, notification: StoredNotification): Promise<void> {
  if (!ctx.events) return;
  await ctx.events.emit(notification.tenantId, "notification", notification).catch((error: unknown) => {
    ctx.log?.warn({ err: error, requestId: ctx.requestId }, "live notification not delivered");
  });
}
