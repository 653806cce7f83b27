import { notifications, type Transaction } from "@ferry/db";
import type { TenantContext } from "../context";

export interface NewNotification {
  kind: string;
  title: string;
  body: string;
}

/** Stored in the caller's transaction; the caller emits it live only after that commits. */
export async function createNotification(tx: Transaction, ctx: Pick<TenantContext, "tenantId">, input: NewNotification) {
  const [row] = await tx
    .insert(notifications)
    .values({ tenantId: ctx.tenantId, kind: input.kind as (typeof notifications.$inferInsert)["kind"], title: input.title, body: input.body })
    .returning({ id: notifications.id, tenantId: notifications.tenantId, kind: notifications.kind, title: notifications.title, body: notifications.body });
  return row!;
}
