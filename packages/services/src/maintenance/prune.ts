import { and, inArray, lt } from "drizzle-orm";
import { emailOutbox, invitations, sessions, verifications, type PlatformDatabase, type Transaction } from "@ferry/db";
import { pruneSyncHistory } from "../sync-state/prune";

const DAY = 24 * 3600 * 1000;

/**
 * Removes what has expired across all tenants (a platform job, so it runs unscoped): sessions,
 * verification tokens, settled invitations, outbox mail, sync history and sync errors older than the retention window.
 */
export async function pruneExpired({ db, now = new Date(), retentionDays = 30 }: { db: PlatformDatabase; now?: Date; retentionDays?: number }) {
  const cutoff = new Date(now.getTime() - retentionDays * DAY);
  return db.transaction(async (tx) => {
    const expiredSessions = await tx.delete(sessions).where(lt(sessions.expiresAt, now)).returning({ id: sessions.id });
    const expiredVerifications = await tx.delete(verifications).where(lt(verifications.expiresAt, now)).returning({ id: verifications.id });
    const settledInvitations = await tx
      .delete(invitations)
      .where(and(lt(invitations.expiresAt, cutoff), inArray(invitations.status, ["pending", "canceled", "rejected", "accepted"])))
      .returning({ id: invitations.id });
    const oldMail = await tx.delete(emailOutbox).where(lt(emailOutbox.createdAt, cutoff)).returning({ id: emailOutbox.id });
    const sync = await pruneSyncHistory(tx as unknown as Transaction, cutoff);
    return {
      sessions: expiredSessions.length,
      verifications: expiredVerifications.length,
      invitations: settledInvitations.length,
      outbox: oldMail.length,
      ...sync,
    };
  });
}
