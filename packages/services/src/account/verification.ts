import { and, eq, gt } from "drizzle-orm";
import { emailOutbox, users, withTenant, type PlatformDatabase, type Transaction } from "@ferry/db";
import { recordAudit } from "../audit/record";
import type { TenantContext } from "../context";
import { ConflictError, ForbiddenError, LimitExceededError } from "../errors";

const RESEND_GAP_SECONDS = 60;

/** The verification mail, written into a tenant's outbox inside the caller's transaction. */
export async function queueVerificationMail(tx: Transaction, input: { tenantId: string; to: string; link: string }) {
  await tx.insert(emailOutbox).values({
    tenantId: input.tenantId,
    to: input.to,
    subject: "Confirm your email address for Ferry",
    body: `Open the link to confirm that this address is yours (it works for 24 hours): ${input.link}`,
    link: input.link,
    meta: { kind: "email_verification" },
  });
}

/** "Send the link again": into the outbox of the tenant the user is in, at most once a minute. */
export async function sendVerificationMail({ ctx, emailVerified, link }: { ctx: TenantContext; emailVerified: boolean; link: string }) {
  if (ctx.access.kind !== "member") throw new ForbiddenError("Send the verification link from a tenant you are a member of.");
  if (emailVerified) throw new ConflictError("Your email address is already verified.");
  const to = ctx.actor.email.toLowerCase();
  return withTenant(ctx, async (tx) => {
    const [recent] = await tx
      .select({ id: emailOutbox.id })
      .from(emailOutbox)
      .where(
        and(
          eq(emailOutbox.to, to),
          eq(emailOutbox.subject, "Confirm your email address for Ferry"),
          gt(emailOutbox.createdAt, new Date(Date.now() - RESEND_GAP_SECONDS * 1000)),
        ),
      );
    if (recent) throw new LimitExceededError(`A verification link was sent less than a minute ago; check the mail to ${to} or try again in a minute.`);
    await queueVerificationMail(tx, { tenantId: ctx.tenantId, to, link });
    await recordAudit(tx, ctx, { action: "account.verification_sent", targetType: "user", targetId: ctx.actor.userId });
    return { sentTo: to };
  });
}

/** For users whose address needs no proof: the demo's own accounts. */
export async function markEmailVerified({ db, userId }: { db: PlatformDatabase; userId: string }) {
  await db.update(users).set({ emailVerified: true, updatedAt: new Date() }).where(eq(users.id, userId));
}
