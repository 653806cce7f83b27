import { eq } from "drizzle-orm";
import { memberships, sessions, users, type PlatformDatabase } from "@ferry/db";
import { supportTenantIds } from "../support/current";

export interface SocketAccess {
  userId: string;
  sessionId: string;
  /** Tenant rooms the socket belongs in: memberships and an open support grant. */
  tenantIds: string[];
  /** The user's role in each tenant they are a member of. */
  roles: Record<string, string>;
  /** Epoch ms at which the session ends unless renewed: the idle expiry or the absolute limit, whichever comes first. */
  expiresAt: number;
}

/**
 * What a live socket opened with `sessionId` may receive now, read fresh from the database; null
 * when the session is gone (signed out, revoked), expired (idle or absolute), belongs to someone
 * else, or the user is banned. Platform work across tenants, so it reads on the privileged connection.
 */
export async function socketAccess({
  db,
  userId,
  sessionId,
  absoluteSeconds,
}: {
  db: PlatformDatabase;
  userId: string;
  sessionId: string;
  absoluteSeconds: number;
}): Promise<SocketAccess | null> {
  const [session] = await db
    .select({ userId: sessions.userId, expiresAt: sessions.expiresAt, createdAt: sessions.createdAt, role: users.role, banned: users.banned })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sessionId));
  if (!session || session.userId !== userId || session.banned) return null;
  const expiresAt = Math.min(session.expiresAt.getTime(), session.createdAt.getTime() + absoluteSeconds * 1000);
  if (expiresAt <= Date.now()) return null;
  const member = await db.select({ tenantId: memberships.tenantId, role: memberships.role }).from(memberships).where(eq(memberships.userId, userId));
  const support = await supportTenantIds({ db, userId, isStaff: session.role === "staff" });
  return {
    userId,
    sessionId,
    tenantIds: [...new Set([...member.map((m) => m.tenantId), ...support])],
    roles: Object.fromEntries(member.map((m) => [m.tenantId, m.role])),
    expiresAt,
  };
}
