import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { createEmitter } from "./emitter";
import { refreshUserRooms } from "./server";
import { connected, openSocket, recorder, refused, sleep, startRealtime, status, type Sessions } from "../test/harness";

const sessions: Sessions = new Map([
  ["alice", { userId: "alice", tenantIds: ["tenant-a"] }],
  ["bob", { userId: "bob", tenantIds: ["tenant-b"] }],
  ["carol", { userId: "carol", tenantIds: ["tenant-a", "tenant-b"] }],
]);

let server: Awaited<ReturnType<typeof startRealtime>>;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startRealtime({ kind: "memory" }, sessions);
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.disconnect();
});

async function join(session?: string) {
  const socket = openSocket(server.url, session);
  sockets.push(socket);
  const events = recorder(socket);
  await connected(socket);
  return { socket, events };
}

describe("attachRealtime (memory adapter)", () => {
  it("delivers a tenant's event to its members and never to another tenant", async () => {
    const alice = await join("alice");
    const bob = await join("bob");
    const carol = await join("carol");
    const emitter = createEmitter({ kind: "inprocess", io: server.io });

    await emitter.emit("tenant-a", "sync.status", status("tenant-a", "for a"));
    await emitter.emit("tenant-b", "sync.status", status("tenant-b", "for b"));

    await alice.events.waitFor((e) => (e.payload as { message: string }).message === "for a");
    await bob.events.waitFor((e) => (e.payload as { message: string }).message === "for b");
    await carol.events.waitFor((e) => (e.payload as { message: string }).message === "for b");
    await sleep(100);
    expect(alice.events.received.map((e) => (e.payload as { tenantId: string }).tenantId)).toEqual(["tenant-a"]);
    expect(bob.events.received.map((e) => (e.payload as { tenantId: string }).tenantId)).toEqual(["tenant-b"]);
    expect(carol.events.received).toHaveLength(2);
    expect(alice.events.received[0]).toEqual({ event: "sync.status", payload: status("tenant-a", "for a") });
  });

  it("refuses a socket without a valid session with 'unauthorized'", async () => {
    for (const session of [undefined, "mallory"]) {
      const socket = openSocket(server.url, session);
      sockets.push(socket);
      const error = await refused(socket);
      expect(error.message).toBe("unauthorized");
    }
    const inServer = await server.io.fetchSockets();
    expect(inServer).toHaveLength(0);
  });

  it("joins only the rooms the server decided, whatever the client sends", async () => {
    const alice = await join("alice");
    for (const [event, arg] of [
      ["join", "tenant:tenant-b"],
      ["subscribe", "tenant-b"],
      ["subscribe", { tenantId: "tenant-b" }],
      ["tenant:tenant-b", "tenant-b"],
    ] as const) {
      alice.socket.emit(event as string, arg);
    }
    await sleep(100);
    const [remote] = await server.io.in("user:alice").fetchSockets();
    expect(remote && [...remote.rooms].sort()).toEqual([remote?.id, "tenant:tenant-a", "user:alice"].sort());

    const emitter = createEmitter({ kind: "inprocess", io: server.io });
    await emitter.emit("tenant-b", "sync.status", status("tenant-b", "secret of b"));
    await emitter.emit("tenant-a", "sync.status", status("tenant-a", "sentinel"));
    await alice.events.waitFor((e) => (e.payload as { message: string }).message === "sentinel");
    expect(alice.events.received.some((e) => (e.payload as { tenantId: string }).tenantId === "tenant-b")).toBe(false);
  });

  it("refreshUserRooms adds and removes tenant rooms of a connected user", async () => {
    const first = await join("alice");
    const second = await join("alice");
    const emitter = createEmitter({ kind: "inprocess", io: server.io });

    await refreshUserRooms(server.io, "alice", ["tenant-a", "tenant-b"]);
    await emitter.emit("tenant-b", "sync.status", status("tenant-b", "granted"));
    await first.events.waitFor((e) => (e.payload as { message: string }).message === "granted");
    await second.events.waitFor((e) => (e.payload as { message: string }).message === "granted");

    await refreshUserRooms(server.io, "alice", ["tenant-b"]);
    await emitter.emit("tenant-a", "sync.status", status("tenant-a", "after removal"));
    await emitter.emit("tenant-b", "sync.status", status("tenant-b", "sentinel"));
    await first.events.waitFor((e) => (e.payload as { message: string }).message === "sentinel");
    expect(first.events.received.some((e) => (e.payload as { message: string }).message === "after removal")).toBe(false);
    const [remote] = await server.io.in(first.socket.id ?? "").fetchSockets();
    expect(remote?.rooms.has("tenant:tenant-a")).toBe(false);
    expect(remote?.rooms.has("user:alice")).toBe(true);
  });

  it("rejects an invalid payload and sends nothing", async () => {
    const alice = await join("alice");
    const emitter = createEmitter({ kind: "inprocess", io: server.io });
    await expect(emitter.emit("tenant-a", "sync.status", { tenantId: "tenant-a", state: "exploded" as never })).rejects.toThrow(
      /Refused to emit "sync.status": state:/,
    );
    await expect(emitter.emit("tenant-a", "sync.status", status("tenant-b"))).rejects.toThrow(/differs from the target tenant/);
    await emitter.emit("tenant-a", "sync.status", status("tenant-a", "sentinel"));
    await alice.events.waitFor((e) => (e.payload as { message: string }).message === "sentinel");
    expect(alice.events.received).toHaveLength(1);
  });

  it("refuses when authenticate throws, without leaking the cause", async () => {
    const { createServer } = await import("node:http");
    const { attachRealtime } = await import("./server");
    const http = createServer();
    const broken = await attachRealtime(http, {
      adapter: { kind: "memory" },
      authenticate: async () => {
        throw new Error("db down: password=hunter2");
      },
    });
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const address = http.address() as { port: number };
    const socket = openSocket(`http://127.0.0.1:${address.port}`, "alice");
    sockets.push(socket);
    expect((await refused(socket)).message).toBe("authentication failed");
    await broken.close();
  });
});
