import { eq } from "drizzle-orm";
import { sessions, type PlatformDatabase } from "@ferry/db";
import type { Auth } from "./auth";

export interface SignedInUser {
  id: string;
  email: string;
  name: string;
  isStaff: boolean;
  emailVerified: boolean;
}

export interface ResolvedSession {
  user: SignedInUser;
  sessionId: string;
  activeTenantId: string | null;
  createdAt: Date;
  expiresAt: Date;
}

/**
 * The signed-in user behind a request's cookie, or null. better-auth gives the idle timeout
 * (sliding expiry); the absolute timeout is checked here and ends the session for good.
 */
export async function resolveSession(auth: Auth, db: PlatformDatabase, headers: Headers, absoluteSeconds: number): Promise<ResolvedSession | null> {
  const found = await auth.api.getSession({ headers });
  if (!found) return null;
  const createdAt = new Date(found.session.createdAt);
  if (Date.now() - createdAt.getTime() > absoluteSeconds * 1000) {
    await db.delete(sessions).where(eq(sessions.id, found.session.id));
    return null;
  }
  const user = found.user as typeof found.user & { role?: string | null };
  return {
    user: { id: user.id, email: user.email, name: user.name, isStaff: user.role === "staff", emailVerified: user.emailVerified === true },
    sessionId: found.session.id,
    activeTenantId: (found.session as { activeOrganizationId?: string | null }).activeOrganizationId ?? null,
    createdAt,
    expiresAt: new Date(found.session.expiresAt),
  };
}

/** Accepts Node's IncomingHttpHeaders (socket handshakes) as well as fetch Headers. */
export function toHeaders(input: Headers | Record<string, string | string[] | undefined>): Headers {
  if (input instanceof Headers) return input;
  const headers = new Headers();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    headers.set(key, Array.isArray(value) ? value.join(", ") : value);
  }
  return headers;
}
