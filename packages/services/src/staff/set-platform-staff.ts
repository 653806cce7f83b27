import { eq } from "drizzle-orm";
import { users, type Database } from "@ferry/db";

/** The platform staff flag lives on the global user (better-auth admin plugin's role). */
export async function setPlatformStaff({ db, userId, isStaff }: { db: Database; userId: string; isStaff: boolean }) {
  await db.update(users).set({ role: isStaff ? "staff" : "user", updatedAt: new Date() }).where(eq(users.id, userId));
}

export async function findUserIdByEmail({ db, email }: { db: Database; email: string }): Promise<string | undefined> {
  const [row] = await db.select({ id: users.id }).from(users).where(eq(users.email, email.toLowerCase()));
  return row?.id;
}
