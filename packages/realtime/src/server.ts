import { randomBytes } from "node:crypto";
import type { IncomingHttpHeaders, Server as HttpServer } from "node:http";
import { createAdapter } from "@socket.io/postgres-adapter";
import { socketConnections, type Logger } from "@ferry/observability";
import pg from "pg";
import { Server } from "socket.io";
import { z } from "zod";
import { type ClientToServerEvents, type ServerToClientEvents, tenantIdSchema, tenantRoom, userRoom } from "./events";

export interface SocketIdentity {
  userId: string;
  tenantIds: string[];
}

/** Supplied by the web app (it validates the session cookie); realtime holds no auth code. */
export type Authenticate = (handshake: { headers: IncomingHttpHeaders }) => Promise<SocketIdentity | null>;

export type RealtimeAdapter = { kind: "memory" } | { kind: "postgres"; connectionString: string };

export type RealtimeServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketIdentity>;

export interface AttachRealtimeOptions {
  authenticate: Authenticate;
  adapter: RealtimeAdapter;
  logger?: Logger;
  /** socket.io's HTTP path; the default matches the browser client's default. */
  path?: string;
}

export interface Realtime {
  io: RealtimeServer;
  /** Closes socket.io (and with it the HTTP server it is attached to), then the Postgres pool. */
  close(): Promise<void>;
}

export const ATTACHMENTS_TABLE = "socket_io_attachments";
const CHANNEL = "socket.io#/";

const identitySchema = z.object({
  userId: z.string().min(1).max(128),
  tenantIds: z.array(tenantIdSchema).max(1000),
});

export async function attachRealtime(httpServer: HttpServer, options: AttachRealtimeOptions): Promise<Realtime> {
  const { authenticate, adapter, logger, path = "/socket.io" } = options;
  const io: RealtimeServer = new Server(httpServer, { path, serveClient: false });
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

  io.on("connection", (socket) => {
    socketConnections.inc();
    logger?.debug({ userId: socket.data.userId, tenants: socket.data.tenantIds.length }, "socket connected");
    // Nothing a client sends can change its rooms; anything it sends is only noted.
    socket.onAny((event: string) => logger?.debug({ userId: socket.data.userId, event }, "ignored client event"));
    socket.on("disconnect", () => socketConnections.dec());
  });

  return {
    io,
    async close() {
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
