import type { IncomingHttpHeaders } from "node:http";
import { z } from "zod";
import type { Realtime, SocketIdentity } from "@ferry/realtime";
import { socketAccess } from "@ferry/services";
import type { Runtime } from "./runtime";

/** Raised by the database triggers of migration 0008 for any change to a user's sessions, memberships or staff flag. */
export const ACCESS_CHANNEL = "ferry_access";

const accessChange = z.object({ userId: z.string().min(1) });

/** The socket handshake: the cookie's session, then what that session may receive now. */
export async function socketIdentityFromHeaders(runtime: Runtime, headers: IncomingHttpHeaders): Promise<SocketIdentity | null> {
  const session = await runtime.sessionFromHeaders(headers);
  if (!session) return null;
  return socketIdentity(runtime, session.user.id, session.sessionId);
}

export function socketIdentity(runtime: Runtime, userId: string, sessionId: string): Promise<SocketIdentity | null> {
  return socketAccess({ db: runtime.database.platform, userId, sessionId, absoluteSeconds: runtime.env.SESSION_ABSOLUTE_SECONDS });
}

/**
 * Follows the `ferry_access` channel so this process re-checks a user's sockets as soon as any
 * path (better-auth, Ferry's services, SQL by hand, another replica) changes their sessions or
 * memberships. Postgres: postgres-js holds a dedicated LISTEN connection and reconnects by itself;
 * each (re)connect re-checks every socket, for changes made while it was away. PGlite: in-process.
 */
export async function followAccessChanges(runtime: Runtime, realtime: Realtime): Promise<() => Promise<void>> {
  const { database, logger } = runtime;
  const onChange = (payload: string) => {
    let userId: string;
    try {
      userId = accessChange.parse(JSON.parse(payload)).userId;
    } catch {
      logger.warn("ignored a malformed access change notification");
      return;
    }
    realtime.revalidateUser(userId).catch((error: unknown) => logger.error({ err: error }, "re-checking a user's sockets failed"));
  };
  if (database.kind === "pglite") return database.pglite!.listen(ACCESS_CHANNEL, onChange);
  let listened = false;
  const { unlisten } = await database.sql!.listen(ACCESS_CHANNEL, onChange, () => {
    if (listened) void realtime.revalidateAll().catch((error: unknown) => logger.error({ err: error }, "re-checking sockets after reconnecting failed"));
    listened = true;
  });
  return unlisten;
}
