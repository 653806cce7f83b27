import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createAuth, createAuthDoor, createSignInThrottle, resolveSession, toHeaders, trustedProxies, type Auth, type ResolvedSession } from "@ferry/auth";
import { assertDatabaseLogins, migrate, openDatabase, type DatabaseHandle } from "@ferry/db";
import { createLogger, type Logger } from "@ferry/observability";
import type { RealtimeEmitter } from "@ferry/realtime";
import { findUserByEmail, liveTenantIds, setPlatformStaff, type SalesforceRuntime } from "@ferry/services";
import type { WebEnv } from "./env";
import { loadOrCreateLocalSecrets } from "./local-secrets";

export interface Runtime {
  env: WebEnv;
  logger: Logger;
  database: DatabaseHandle;
  auth: Auth;
  /** better-auth over HTTP: the allow-listed endpoints only, sign-in throttled (see @ferry/auth door.ts). */
  authDoor: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  masterKey: string;
  /** Set once the job queue (and the demo emulator, if any) is up; see src/server/salesforce.ts. */
  salesforce?: Omit<SalesforceRuntime, "gateway">;
  /** Set once socket.io is attached to the HTTP server. */
  events?: RealtimeEmitter;
  sessionFromHeaders(headers: Headers | Record<string, string | string[] | undefined>): Promise<ResolvedSession | null>;
  /** Tenants whose live events a user may receive: memberships, and an open support grant while the user is staff. */
  visibleTenantIds(userId: string): Promise<string[]>;
  /** Set once socket.io is attached: moves a user's sockets into the tenant rooms they may see now. */
  refreshRooms?: (userId: string) => Promise<void>;
}

export async function createRuntime(env: WebEnv): Promise<Runtime> {
  const logger = createLogger({ name: "ferry-web", level: env.LOG_LEVEL });
  const local = env.embedded ? loadOrCreateLocalSecrets(env.dataDir) : undefined;
  const database = await openDatabase(
    env.embedded
      ? { dataDir: path.join(env.dataDir, "pglite") }
      : { url: env.DATABASE_URL, platformUrl: env.DATABASE_PLATFORM_URL, maxConnections: env.DATABASE_POOL_SIZE },
  );
  try {
    await migrate(database);
    await assertDatabaseLogins(database);
  } catch (error) {
    await database.close();
    throw error;
  }
  const auth = createAuth({
    db: database.platform,
    baseURL: env.publicUrl,
    secret: env.BETTER_AUTH_SECRET ?? local!.authSecret,
    sessionIdleSeconds: env.SESSION_IDLE_SECONDS,
    sessionAbsoluteSeconds: env.SESSION_ABSOLUTE_SECONDS,
    trustedOrigins: [...env.allowedOrigins, `http://localhost:${env.PORT}`, `http://127.0.0.1:${env.PORT}`],
    staffEmails: env.FERRY_BOOTSTRAP_STAFF_EMAILS,
  });
  // Listed emails whose accounts exist with a verified address become staff at boot; others when
  // they open the verification link (see createAuth).
  for (const email of env.FERRY_BOOTSTRAP_STAFF_EMAILS) {
    const user = await findUserByEmail({ db: database.platform, email });
    if (user?.emailVerified) await setPlatformStaff({ db: database.platform, userId: user.id, isStaff: true });
  }
  return {
    env,
    logger,
    database,
    auth,
    authDoor: createAuthDoor({ auth, throttle: createSignInThrottle(database.platform), trustedProxies: trustedProxies(env.FERRY_TRUSTED_PROXIES) }),
    masterKey: env.FERRY_MASTER_KEY ?? local!.masterKey,
    sessionFromHeaders: (headers) => resolveSession(auth, database.platform, toHeaders(headers), env.SESSION_ABSOLUTE_SECONDS),
    visibleTenantIds: (userId) => liveTenantIds({ db: database.platform, userId }),
  };
}
