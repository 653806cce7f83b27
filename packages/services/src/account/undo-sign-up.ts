import { eq } from "drizzle-orm";
import { tenants, users, type PlatformDatabase } from "@ferry/db";

/**
 * better-auth creates the user outside Ferry's transaction; when the rest of a sign-up fails, the
 * account and its tenant (if it got that far) are removed again, so the sign-up can simply be
 * retried. Sessions, the password and memberships go with them (foreign keys cascade).
 */
export async function undoSignUp({ db, userId, tenantId }: { db: PlatformDatabase; userId: string; tenantId?: string | undefined }) {
  await db.transaction(async (tx) => {
    if (tenantId) await tx.delete(tenants).where(eq(tenants.id, tenantId));
    await tx.delete(users).where(eq(users.id, userId));
  });
}
