import { createServer } from "node:http";
import type postgres from "postgres";
import { io as connectSocket, type Socket } from "socket.io-client";
import { attachRealtime } from "@ferry/realtime";

export interface Received {
  event: string;
  receivedAt: number;
  payload: { object?: string; processed?: number; at?: string; runId?: string };
}

/**
 * A socket.io server as the web process attaches it (Postgres adapter, rooms joined at handshake
 * from the user's memberships) and one client signed in as a tenant member. The bench stands in for
 * better-auth's cookie check with a user-id cookie; the rooms still come from the memberships table.
 */
export async function liveClient(url: string, sql: postgres.Sql, userId: string) {
  const http = createServer();
  const realtime = await attachRealtime(http, {
    adapter: { kind: "postgres", connectionString: url },
    authenticate: async ({ headers }) => {
      const id = /ferry_bench_user=([^;]+)/.exec(headers.cookie ?? "")?.[1];
      if (!id) return null;
      const rows = await sql<{ tenant_id: string }[]>`select tenant_id from memberships where user_id = ${id}`;
      return { userId: id, tenantIds: rows.map((r) => r.tenant_id) };
    },
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as { port: number }).port;
  const socket: Socket = connectSocket(`http://127.0.0.1:${port}`, {
    transports: ["websocket"],
    extraHeaders: { cookie: `ferry_bench_user=${userId}` },
    reconnection: false,
  });
  const received: Received[] = [];
  socket.onAny((event: string, payload: Received["payload"]) => received.push({ event, receivedAt: Date.now(), payload }));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return {
    received,
    async close() {
      socket.disconnect();
      await realtime.close();
    },
  };
}

export interface LiveFigures {
  progressEvents: number;
  matched: number;
  latencyMs: { n: number; p50: number; p95: number; max: number };
  firstEventMs: number | null;
  eventsPerSecond: number;
}
