import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { io as connect, type Socket } from "socket.io-client";
import { resolveSession, toHeaders } from "@ferry/auth";
import { extractRows } from "@ferry/db";
import type { TestDatabase } from "@ferry/db/testing";
import { attachRealtime, createEmitter, refreshUserRooms, type Realtime } from "@ferry/realtime";
import { findUserByEmail, liveTenantIds, setPlatformStaff } from "@ferry/services";
import { sql } from "drizzle-orm";
import type { ApiContext } from "../src";
import { apiHarness, type ApiHarness } from "./harness";

/** The API wired to a real socket.io server, as the web server wires it: rooms follow memberships and support grants. */
export async function supportHarness(database: TestDatabase, options: Pick<Partial<ApiContext>, "supportAccessMaxSeconds" | "salesforce"> = {}) {
  // The API needs the socket server and the socket server needs the API's auth: bound once both exist.
  const live: { realtime?: Realtime } = {};
  const refreshRooms = async (userId: string) => {
    if (live.realtime) await refreshUserRooms(live.realtime.io, userId, await liveTenantIds({ db: database.platform, userId }));
  };
  const api: ApiHarness = apiHarness(database, {
    refreshRooms,
    events: {
      emit: (tenantId, event, payload, emitOptions) => createEmitter({ kind: "inprocess", io: live.realtime!.io }).emit(tenantId, event, payload, emitOptions),
    },
    ...options,
  });
  const http: HttpServer = createServer();
  const realtime = await attachRealtime(http, {
    adapter: { kind: "memory" },
    authenticate: async ({ headers }) => {
      const session = await resolveSession(api.auth, database.platform, toHeaders(headers), 43200);
      return session ? { userId: session.user.id, tenantIds: await liveTenantIds({ db: database.platform, userId: session.user.id }) } : null;
    },
  });
  live.realtime = realtime;
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const sockets: Socket[] = [];
  return {
    api,
    realtime,
    refreshRooms,
    emitter: () => createEmitter({ kind: "inprocess", io: realtime.io }),
    async socket(cookie: string) {
      const socket = connect(url, { transports: ["websocket"], reconnection: false, forceNew: true, extraHeaders: { cookie } });
      sockets.push(socket);
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("connect_error", reject);
      });
      const received: Array<{ event: string; payload: { tenantId?: string; state?: string } }> = [];
      socket.onAny((event: string, payload: { tenantId?: string }) => received.push({ event, payload }));
      return { socket, received };
    },
    async close() {
      for (const socket of sockets) socket.close();
      await realtime.close();
    },
  };
}

export async function signUpStaff(api: ApiHarness, database: TestDatabase, name: string, email: string) {
  const staff = await api.signUp({ name, email });
  const userId = (await findUserByEmail({ db: database.platform, email }))!.id;
  await setPlatformStaff({ db: database.platform, userId, isStaff: true });
  return { ...staff, userId };
}

/** A digest of every row of every public table: proves a refused call changed nothing. */
export async function databaseDigest(database: TestDatabase): Promise<string> {
  const tables = extractRows<{ table_name: string }>(
    await database.platform.execute(
      sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '__drizzle%' order by table_name`,
    ),
  );
  const parts: string[] = [];
  for (const { table_name } of tables) {
    // Session rows move on every authenticated request (sliding expiry), so they are left out.
    if (table_name === "sessions" || table_name === "socket_io_attachments") continue;
    const [row] = extractRows<{ digest: string | null }>(
      await database.platform.execute(sql.raw(`select md5(string_agg(t::text, '|' order by t::text)) as digest from "${table_name}" t`)),
    );
    parts.push(`${table_name}:${row?.digest ?? "empty"}`);
  }
  return parts.join("\n");
}

export async function codeOf(work: Promise<unknown>): Promise<string> {
  return work.then(
    () => "OK",
    (error: unknown) => (error instanceof TRPCError ? error.code : `non-tRPC error: ${String(error)}`),
  );
}

export async function waitUntil(check: () => boolean, what: string, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
