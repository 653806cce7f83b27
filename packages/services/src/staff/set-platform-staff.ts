import { eq } from "drizzle-orm";
import { users, type PlatformDatabase } from "@ferry/db";
import { endSupportAccessForUser } from "../support/end";

/**
 * The platform staff flag lives on the global user (better-auth admin plugin's role). Removing it
 * ends the user's open support access at once; the ended grants are returned so the caller can
 * move the user's sockets out of those tenants.
 */
export async function setPlatformStaff({ db, userId, isStaff }: { db: PlatformDatabase; userId: string; isStaff: boolean }) {
  await db
    .update(users)
    .set({ role: isStaff ? "staff" : "user", updatedAt: new Date() })
    .where(eq(users.id, userId));
  return isStaff ? [] : endSupportAccessForUser({ db, userId, why: "staff_removed" });
}

export async function findUserByEmail({ db, email }: { db: PlatformDatabase; email: string }): Promise<{ id: string; emailVerified: boolean } | undefined> {
  const [row] = await db.select({ id: users.id, emailVerified: users.emailVerified }).from(users).where(eq(users.email, email.toLowerCase()));
  return row;
}
