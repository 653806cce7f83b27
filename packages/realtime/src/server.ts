import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/postgres-adapter";
import { socketConnections, type Logger } from "@ferry/observability";
import pg from "pg";
import { Server, type Socket } from "socket.io";
import { z } from "zod";
import { type ClientToServerEvents, type ServerToClientEvents, tenantIdSchema, tenantRoom, userRoom } from "./events";

export interface SocketIdentity {
  userId: string;
  tenantIds: string[];
  /** The session the socket was opened with: when it ends, the socket is closed. */
  sessionId?: string | undefined;
  /** The user's role in each tenant they belong to: a changed role closes the socket (the client reconnects and re-reads). */
  roles?: Record<string, string> | undefined;
  /** Epoch ms at which the session ends unless it is renewed: the socket re-checks it then. */
  expiresAt?: number | undefined;
}

/** Supplied by the web app (it validates the session cookie); realtime holds no auth code. */
export type Authenticate = (handshake: { headers: IncomingHttpHeaders }) => Promise<SocketIdentity | null>;

/**
 * Supplied by the web app: the identity of an open socket's session now, or null when the session
 * is over (signed out, revoked, expired). Called when the session or the user's access may have
 * changed, at the session's expiry, and on a periodic sweep.
 */
export type Revalidate = (socket: { userId: string; sessionId: string }) => Promise<SocketIdentity | null>;

export type RealtimeAdapter = { kind: "memory" } | { kind: "postgres"; connectionString: string };

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketIdentity>;

export interface AttachRealtimeOptions {
  authenticate: Authenticate;
  adapter: RealtimeAdapter;
  logger?: Logger;
  /** socket.io's HTTP path; the default matches the browser client's default. */
  path?: string;
  /** Re-checks sockets that carry a `sessionId`; without it a socket keeps its handshake identity. */
  revalidate?: Revalidate;
  /** Every socket is re-checked this often as well, in case a change notification was missed. */
  sweepIntervalMs?: number;
  /**
   * Origins a browser may open a socket from (`Origin` header). A request without an Origin (not
   * a cross-site browser request) is let through to the session check.
   */
  allowedOrigins?: string[];
}

export interface Realtime {
  io: RealtimeServer;
  /** Re-checks this process's sockets of `userId` (see `Revalidate`); resolves once applied. */
  revalidateUser(userId: string): Promise<void>;
  /** Re-checks every socket of this process. */
  revalidateAll(): Promise<void>;
  /** Closes socket.io (and with it the HTTP server it is attached to), then the Postgres pool. */
  close(): Promise<void>;
}

export const ATTACHMENTS_TABLE = "socket_io_attachments";
const CHANNEL = "socket.io#/";

const identitySchema = z.object({
  userId: z.string().min(1).max(128),
  tenantIds: z.array(tenantIdSchema).max(1000),
  sessionId: z.string().min(1).max(128).optional(),
  roles: z.record(tenantIdSchema, z.string().max(64)).optional(),
  expiresAt: z.number().finite().optional(),
});

const DEFAULT_SWEEP_MS = 60_000;
// setTimeout's longest delay; a later expiry is re-armed when this fires.
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function attachRealtime(httpServer: HttpServer, options: AttachRealtimeOptions): Promise<Realtime> {
  const { authenticate, adapter, logger, path = "/socket.io", revalidate } = options;
  const allowedOrigins = options.allowedOrigins ? new Set(options.allowedOrigins.map((o) => new URL(o).origin)) : undefined;
  const io: RealtimeServer = new Server(httpServer, {
    path,
    serveClient: false,
    // A page of another site must not read a tenant's live events with the user's cookie.
    ...(allowedOrigins ? { allowRequest: (req, done) => done(null, originAllowed(req.headers.origin, allowedOrigins)) } : {}),
  });
  let pool: pg.Pool | undefined;

  if (adapter.kind === "postgres") {
    // A unique application_name lets us see when this server's LISTEN connection is up.
    const applicationName = `ferry-realtime-${randomBytes(6).toString("hex")}`;
    pool = new pg.Pool({ connectionString: adapter.connectionString, max: 4, application_name: applicationName });
    pool.on("error", (error) => logger?.error({ err: error }, "realtime postgres pool error"));
    await ensureAttachmentsTable(pool);
    io.adapter(
      createAdapter(pool, {
        tableName: ATTACHMENTS_TABLE,
        errorHandler: (error) => logger?.error({ err: error }, "realtime postgres adapter error"),
      }),
    );
    await waitForListener(pool, applicationName);
  }

  io.use(async (socket, next) => {
    let identity: SocketIdentity | null;
    try {
      identity = await authenticate({ headers: socket.handshake.headers });
    } catch (error) {
      logger?.error({ err: error }, "socket authentication failed");
      next(new Error("authentication failed"));
      return;
    }
    if (!identity) {
      next(new Error("unauthorized"));
      return;
    }
    const checked = identitySchema.safeParse(identity);
    if (!checked.success) {
      logger?.error({ issues: checked.error.issues }, "authenticate returned a malformed identity");
      next(new Error("unauthorized"));
      return;
    }
    socket.data = checked.data;
    // Joined before the connection completes, so no event for these rooms can slip past.
    await socket.join([userRoom(checked.data.userId), ...checked.data.tenantIds.map(tenantRoom)]);
    next();
  });

  const watch = revalidate ? watchSessions(io, revalidate, logger) : undefined;

  io.on("connection", (socket) => {
    socketConnections.inc();
    logger?.debug({ userId: socket.data.userId, tenants: socket.data.tenantIds.length }, "socket connected");
    // Nothing a client sends can change its rooms; anything it sends is only noted.
    socket.onAny((event: string) => logger?.debug({ userId: socket.data.userId, event }, "ignored client event"));
    socket.on("disconnect", () => {
      socketConnections.dec();
      watch?.forget(socket.id);
    });
    watch?.arm(socket);
  });
  const sweep = watch ? setInterval(() => void watch.checkAll(), options.sweepIntervalMs ?? DEFAULT_SWEEP_MS) : undefined;
  sweep?.unref();

  return {
    io,
    revalidateUser: async (userId) => watch?.checkUser(userId),
    revalidateAll: async () => watch?.checkAll(),
    async close() {
      clearInterval(sweep);
      watch?.stop();
      await new Promise<void>((resolve) => {
        void io.close(() => resolve());
      });
      await pool?.end();
    },
  };
}

/**
 * Re-evaluates the tenant rooms of every connected socket of `userId`, on any server of the cluster:
 * call it after membership or support access changes, with the tenants the user may see now.
 * Resolves once every socket's rooms match (join/leave reach other servers asynchronously), so an
 * event emitted afterwards already follows the new access.
 */
export async function refreshUserRooms(io: RealtimeServer, userId: string, tenantIds: string[], timeoutMs = 5000): Promise<void> {
  const allowed = new Set(z.array(tenantIdSchema).parse(tenantIds).map(tenantRoom));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let converged = true;
    for (const socket of await io.in(userRoom(userId)).fetchSockets()) {
      const stale = [...socket.rooms].filter((room) => room.startsWith("tenant:") && !allowed.has(room));
      const missing = [...allowed].filter((room) => !socket.rooms.has(room));
      if (stale.length === 0 && missing.length === 0) continue;
      converged = false;
      for (const room of stale) socket.leave(room);
      if (missing.length > 0) socket.join(missing);
    }
    if (converged) return;
    if (Date.now() > deadline) {
      throw new Error(`rooms of user ${userId} did not settle within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function originAllowed(origin: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true;
  try {
    return allowed.has(new URL(origin).origin);
  } catch {
    return false;
  }
}

type ServerSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketIdentity>;

/**
 * Keeps each local socket's rooms in step with its session: closes it when the session is over or
 * a tenant role changed, otherwise moves it into the tenant rooms it may see now. Checks of one
 * socket run one after another, so an older answer never overwrites a newer one.
 */
function watchSessions(io: RealtimeServer, revalidate: Revalidate, logger: Logger | undefined) {
  const timers = new Map<string, NodeJS.Timeout>();
  const queues = new Map<string, Promise<void>>();
  let stopped = false;

  const arm = (socket: ServerSocket) => {
    clearTimeout(timers.get(socket.id));
    timers.delete(socket.id);
    const { expiresAt, sessionId } = socket.data;
    if (stopped || !sessionId || expiresAt === undefined) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, expiresAt - Date.now()) + 5);
    const timer = setTimeout(() => void check(socket), delay);
    timer.unref();
    timers.set(socket.id, timer);
  };

  const close = (socket: ServerSocket, reason: string) => {
    // Out of every tenant room at once, so nothing more is delivered while the close goes out.
    for (const room of socket.rooms) if (room.startsWith("tenant:")) void socket.leave(room);
    logger?.info({ userId: socket.data.userId, reason }, "socket closed: its session changed");
    socket.disconnect(true);
  };

  const apply = async (socket: ServerSocket) => {
    const { userId, sessionId } = socket.data;
    if (!sessionId || socket.disconnected) return;
    let next: SocketIdentity | null;
    try {
      next = await revalidate({ userId, sessionId });
    } catch (error) {
      // The next notification, the expiry timer or the sweep tries again.
      logger?.error({ err: error, userId }, "socket session re-check failed");
      return;
    }
    if (socket.disconnected) return;
    const checked = next && identitySchema.safeParse(next);
    if (!checked?.success || checked.data.userId !== userId) return close(socket, "session ended");
    const before = socket.data.roles ?? {};
    const after = checked.data.roles ?? {};
    if (Object.keys(before).some((tenantId) => tenantId in after && after[tenantId] !== before[tenantId])) return close(socket, "tenant role changed");
    const allowed = new Set(checked.data.tenantIds.map(tenantRoom));
    for (const room of socket.rooms) if (room.startsWith("tenant:") && !allowed.has(room)) await socket.leave(room);
    const missing = [...allowed].filter((room) => !socket.rooms.has(room));
    if (missing.length > 0) await socket.join(missing);
    socket.data = { ...checked.data, sessionId };
    arm(socket);
  };

  const check = (socket: ServerSocket): Promise<void> => {
    const previous = queues.get(socket.id) ?? Promise.resolve();
    const current = previous.then(() => apply(socket));
    queues.set(socket.id, current);
    void current.finally(() => {
      if (queues.get(socket.id) === current) queues.delete(socket.id);
    });
    return current;
  };

  const local = () => [...io.of("/").sockets.values()];

  return {
    arm,
    forget(socketId: string) {
      clearTimeout(timers.get(socketId));
      timers.delete(socketId);
    },
    async checkUser(userId: string) {
      await Promise.all(
        local()
          .filter((s) => s.data.userId === userId)
          .map(check),
      );
    },
    async checkAll() {
      // One user at a time: a sweep over many sockets must not flood the database pool.
      const byUser = new Map<string, ServerSocket[]>();
      for (const socket of local()) byUser.set(socket.data.userId, [...(byUser.get(socket.data.userId) ?? []), socket]);
      for (const sockets of byUser.values()) await Promise.all(sockets.map(check));
    },
    stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

async function ensureAttachmentsTable(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    // Web replicas boot together; the lock keeps concurrent CREATE TABLE IF NOT EXISTS from colliding.
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [ATTACHMENTS_TABLE]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${ATTACHMENTS_TABLE} (
        id bigserial UNIQUE,
        created_at timestamptz DEFAULT now(),
        payload bytea
      )`,
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The adapter subscribes in the background; wait for it so no broadcast is missed right after start. */
async function waitForListener(pool: pg.Pool, applicationName: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await pool.query<{ listening: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_stat_activity
         WHERE application_name = $1 AND pid <> pg_backend_pid() AND query = $2
       ) AS listening`,
      [applicationName, `LISTEN "${CHANNEL}"`],
    );
    if (rows[0]?.listening) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`socket.io postgres adapter did not start listening on "${CHANNEL}" within ${timeoutMs} ms`);
}
