import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import type { Socket } from "socket.io-client";
import { createEmitter, type RealtimeEmitter } from "./emitter";
import { refreshUserRooms } from "./server";
import { createScratchDatabase, postgresAvailable } from "@ferry/db/testing";
import { connected, openSocket, recorder, sleep, startRealtime, status, type Sessions } from "../test/harness";

const sessions: Sessions = new Map([
  ["alice", { userId: "alice", tenantIds: ["tenant-a"] }],
  ["bob", { userId: "bob", tenantIds: ["tenant-b"] }],
  // Support staff whose grant on tenant-a has just ended: reconnected, the socket is in no tenant room.
  ["sam", { userId: "sam", tenantIds: [] }],
]);

let database: Awaited<ReturnType<typeof createScratchDatabase>>;
let web1: Awaited<ReturnType<typeof startRealtime>>;
let web2: Awaited<ReturnType<typeof startRealtime>>;
let worker: RealtimeEmitter;
const sockets: Socket[] = [];
const postgresHere = await postgresAvailable();

beforeAll(async () => {
  if (!postgresHere) return;
  database = await createScratchDatabase("ferry_rt");
  const adapter = { kind: "postgres" as const, connectionString: database.url };
  web1 = await startRealtime(adapter, sessions);
  web2 = await startRealtime(adapter, sessions);
  // The worker process: its own pool, no socket.io server.
  worker = createEmitter({ kind: "postgres", connectionString: database.url });
}, 30_000);

afterAll(async () => {
  for (const socket of sockets) socket.disconnect();
  await worker?.close();
  await web1?.close();
  await web2?.close();
  await database?.drop();
});

async function join(url: string, session: string) {
  const socket = openSocket(url, session);
  sockets.push(socket);
  const events = recorder(socket);
  await connected(socket);
  return { socket, events };
}

const message = (entry: { payload: unknown }) => (entry.payload as { message?: string }).message;

describe.runIf(postgresHere)("realtime over Postgres", () => {
  it("creates the attachments table the adapter needs", async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query("SELECT to_regclass('socket_io_attachments') IS NOT NULL AS present");
    await client.end();
    expect(rows[0]?.present).toBe(true);
  });

  it("the worker's postgres emitter reaches sockets on both web servers, tenant by tenant", async () => {
    const aliceOn1 = await join(web1.url, "alice");
    const aliceOn2 = await join(web2.url, "alice");
    const bobOn2 = await join(web2.url, "bob");

    await worker.emit("tenant-a", "sync.status", status("tenant-a", "from worker"));
    await worker.emit("tenant-b", "sync.status", status("tenant-b", "for bob"));

    await aliceOn1.events.waitFor((e) => message(e) === "from worker");
    await aliceOn2.events.waitFor((e) => message(e) === "from worker");
    await bobOn2.events.waitFor((e) => message(e) === "for bob");
    await sleep(200);
    expect(aliceOn1.events.received.map(message)).toEqual(["from worker"]);
    expect(aliceOn2.events.received.map(message)).toEqual(["from worker"]);
    expect(bobOn2.events.received.map(message)).toEqual(["for bob"]);
  });

  it("an in-process emit on one server reaches sockets connected to the other", async () => {
    const aliceOn2 = await join(web2.url, "alice");
    const bobOn1 = await join(web1.url, "bob");
    const onWeb1 = createEmitter({ kind: "inprocess", io: web1.io });
    await onWeb1.emit("tenant-a", "notification", { id: "n1", tenantId: "tenant-a", kind: "sync_failed", title: "Sync failed", body: "Account: 3 errors" });
    await onWeb1.emit("tenant-b", "sync.status", status("tenant-b", "sentinel"));
    await aliceOn2.events.waitFor((e) => e.event === "notification");
    await bobOn1.events.waitFor((e) => message(e) === "sentinel");
    await sleep(200);
    expect(bobOn1.events.received.map((e) => e.event)).toEqual(["sync.status"]);
  });

  it("refreshUserRooms reaches a user's socket on another server", async () => {
    const bobOn2 = await join(web2.url, "bob");
    await refreshUserRooms(web1.io, "bob", ["tenant-a", "tenant-b"]);
    await worker.emit("tenant-a", "sync.status", status("tenant-a", "support granted"));
    await bobOn2.events.waitFor((e) => message(e) === "support granted");

    await refreshUserRooms(web1.io, "bob", ["tenant-b"]);
    await worker.emit("tenant-a", "sync.status", status("tenant-a", "after revoke"));
    await worker.emit("tenant-b", "sync.status", status("tenant-b", "sentinel"));
    await bobOn2.events.waitFor((e) => message(e) === "sentinel");
    await sleep(200);
    expect(bobOn2.events.received.map(message)).toEqual(["support granted", "sentinel"]);
  });

  it("an event also sent to a user's own room reaches their socket outside the tenant room, once per socket", async () => {
    const samOn2 = await join(web2.url, "sam");
    const aliceOn1 = await join(web1.url, "alice");
    const bobOn1 = await join(web1.url, "bob");
    const ended = { tenantId: "tenant-a", grantId: "g1", state: "ended" as const, staffName: "Sam Support", at: new Date().toISOString() };
    await worker.emit("tenant-a", "support.access", ended, { alsoToUsers: ["sam", "alice"] });
    await worker.emit("tenant-b", "sync.status", status("tenant-b", "sentinel"));
    await samOn2.events.waitFor((e) => e.event === "support.access");
    await aliceOn1.events.waitFor((e) => e.event === "support.access");
    await bobOn1.events.waitFor((e) => message(e) === "sentinel");
    await sleep(200);
    expect(samOn2.events.received).toEqual([{ event: "support.access", payload: ended }]);
    // Alice is in both the tenant's room and her own: one delivery.
    expect(aliceOn1.events.received.map((e) => e.event)).toEqual(["support.access"]);
    expect(bobOn1.events.received.map((e) => e.event)).toEqual(["sync.status"]);
  });

  it("the postgres emitter rejects invalid payloads before anything is published", async () => {
    const alice = await join(web1.url, "alice");
    await expect(worker.emit("tenant-a", "sync.progress", { tenantId: "tenant-a" } as never)).rejects.toThrow(/Refused to emit "sync.progress"/);
    await worker.emit("tenant-a", "sync.status", status("tenant-a", "sentinel"));
    await alice.events.waitFor((e) => message(e) === "sentinel");
    await sleep(100);
    expect(alice.events.received).toHaveLength(1);
  });

  it("surfaces a publish failure to the caller instead of broadcasting it", async () => {
    const unreachable = createEmitter({ kind: "postgres", connectionString: "postgres://postgres@127.0.0.1:1/none" });
    await expect(unreachable.emit("tenant-a", "sync.status", status("tenant-a"))).rejects.toThrow(/ECONNREFUSED/);
    await unreachable.close();
  });
});
