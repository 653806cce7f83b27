import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { attachRealtime, type Realtime, type RealtimeAdapter, type SocketIdentity } from "../src/server";

/** Sessions keyed by cookie value, standing in for the web app's session check. */
export type Sessions = Map<string, SocketIdentity>;

/**
 * With `follow`, sockets are re-checked against `sessions` by sessionId (an identity whose
 * `expiresAt` has passed counts as ended), as the web app re-checks them against the database.
 */
export async function startRealtime(
  adapter: RealtimeAdapter,
  sessions: Sessions,
  options: { follow?: boolean; sweepIntervalMs?: number; allowedOrigins?: string[] } = {},
): Promise<Realtime & { url: string; http: HttpServer }> {
  const http = createServer();
  const realtime = await attachRealtime(http, {
    adapter,
    authenticate: async ({ headers }) => {
      const session = /(?:^|;\s*)session=([^;]+)/.exec(headers.cookie ?? "")?.[1];
      return (session && sessions.get(session)) || null;
    },
    ...(options.follow
      ? {
          revalidate: async ({ sessionId }: { sessionId: string }) => {
            const identity = [...sessions.values()].find((s) => s.sessionId === sessionId);
            return identity && (identity.expiresAt === undefined || identity.expiresAt > Date.now()) ? identity : null;
          },
        }
      : {}),
    ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
    ...(options.allowedOrigins ? { allowedOrigins: options.allowedOrigins } : {}),
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as AddressInfo;
  return { ...realtime, http, url: `http://127.0.0.1:${port}` };
}

export function openSocket(url: string, session?: string, origin?: string): Socket {
  return connect(url, {
    transports: ["websocket"],
    reconnection: false,
    forceNew: true,
    extraHeaders: { ...(session ? { cookie: `session=${session}` } : {}), ...(origin ? { origin } : {}) },
  });
}

export function connected(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
}

export function refused(socket: Socket): Promise<Error> {
  return new Promise((resolve, reject) => {
    socket.once("connect", () => reject(new Error("socket was accepted")));
    socket.once("connect_error", resolve);
  });
}

/** Records every event a socket receives, so a test can assert what did and did not arrive. */
export function recorder(socket: Socket) {
  const received: Array<{ event: string; payload: unknown }> = [];
  socket.onAny((event: string, payload: unknown) => received.push({ event, payload }));
  return {
    received,
    async waitFor(predicate: (entry: { event: string; payload: unknown }) => boolean, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const hit = received.find(predicate);
        if (hit) return hit;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`event not received within ${timeoutMs} ms; got ${JSON.stringify(received)}`);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function status(tenantId: string, message = "ok") {
  return { tenantId, state: "idle" as const, message, lastSyncedAt: "2026-11-28T10:00:00.000Z" };
}
