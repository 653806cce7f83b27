import { and, eq, inArray } from "drizzle-orm";
import { emailOutbox, memberships, notifications, tenants, users, type Transaction } from "@ferry/db";
import type { TenantContext } from "../context";

export interface NewNotification {
  kind: string;
  title: string;
  body: string;
}

/**
 * Sync problems an admin has to act on also go to the tenant's owners and admins by email (the
 * outbox stands in for the mail provider). "sync_failed" is mailed by recordSyncFailure with its own wording.
 */
const MAILED_KINDS: ReadonlySet<string> = new Set(["credentials_expired", "api_cap_reached", "schema_changed"]);

/** Stored in the caller's transaction; the caller emits it live only after that commits. */
export async function createNotification(tx: Transaction, ctx: Pick<TenantContext, "tenantId">, input: NewNotification) {
  const [row] = await tx
    .insert(notifications)
    .values({ tenantId: ctx.tenantId, kind: input.kind as (typeof notifications.$inferInsert)["kind"], title: input.title, body: input.body })
    .returning({ id: notifications.id, tenantId: notifications.tenantId, kind: notifications.kind, title: notifications.title, body: notifications.body });
  if (MAILED_KINDS.has(input.kind)) {
    await mailOwnersAndAdmins(tx, ctx.tenantId, (tenantName) => ({
      subject: `Ferry (${tenantName}): ${input.title}`,
      body: input.body,
      link: "/salesforce",
      meta: { kind: input.kind, notificationId: row!.id },
    }));
  }
  return row!;
}

type OutboxMail = Pick<typeof emailOutbox.$inferInsert, "subject" | "body" | "link" | "meta">;

/** Queues the same mail to each of the tenant's owners and admins (the outbox), in the caller's transaction. */
export async function mailOwnersAndAdmins(tx: Transaction, tenantId: string, mail: (tenantName: string) => OutboxMail) {
  const [tenant] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, tenantId));
  const recipients = await tx
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(and(eq(memberships.tenantId, tenantId), inArray(memberships.role, ["owner", "admin"])));
  if (recipients.length === 0) return;
  const content = mail(tenant?.name ?? "your tenant");
  await tx.insert(emailOutbox).values(recipients.map(({ email }) => ({ tenantId, to: email, ...content })));
}
