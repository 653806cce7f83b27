import { afterEach, describe, expect, it } from "vitest";
import type { Socket } from "socket.io-client";
import { createEmitter } from "./emitter";
import { connected, openSocket, recorder, refused, sleep, startRealtime, status, type Sessions } from "../test/harness";

const servers: Awaited<ReturnType<typeof startRealtime>>[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.disconnect();
  for (const server of servers.splice(0)) await server.close();
});

async function setup(sessions: Sessions, options: Parameters<typeof startRealtime>[2] = { follow: true }) {
  const server = await startRealtime({ kind: "memory" }, sessions, options);
  servers.push(server);
  const emitter = createEmitter({ kind: "inprocess", io: server.io });
  return { server, emitter };
}

async function join(url: string, session: string) {
  const socket = openSocket(url, session);
  sockets.push(socket);
  const events = recorder(socket);
  const closed = new Promise<{ reason: string; at: number }>((resolve) => socket.on("disconnect", (reason) => resolve({ reason, at: Date.now() })));
  await connected(socket);
  return { socket, events, closed };
}

const messages = (events: ReturnType<typeof recorder>) => events.received.map((e) => (e.payload as { message: string }).message);

describe("sockets follow their session (revalidate)", () => {
  it("closes the socket when the session is gone, and nothing more reaches it", async () => {
    const sessions: Sessions = new Map([["s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a"], roles: { "t-a": "viewer" } }]]);
    const { server, emitter } = await setup(sessions);
    const ann = await join(server.url, "s1");
    sessions.delete("s1");
    await server.revalidateUser("ann");
    expect((await ann.closed).reason).toBe("io server disconnect");
    await emitter.emit("t-a", "sync.status", status("t-a", "after sign-out"));
    await sleep(100);
    expect(messages(ann.events)).toEqual([]);
  });

  it("closes the socket when a tenant role changes, and only the affected user's", async () => {
    const sessions: Sessions = new Map([
      ["s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a"], roles: { "t-a": "viewer" } }],
      ["s2", { userId: "bob", sessionId: "s2", tenantIds: ["t-a"], roles: { "t-a": "admin" } }],
    ]);
    const { server, emitter } = await setup(sessions);
    const ann = await join(server.url, "s1");
    const bob = await join(server.url, "s2");
    sessions.set("s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a"], roles: { "t-a": "admin" } });
    await server.revalidateAll();
    expect((await ann.closed).reason).toBe("io server disconnect");
    await emitter.emit("t-a", "sync.status", status("t-a", "for admins"));
    await bob.events.waitFor((e) => (e.payload as { message: string }).message === "for admins");
    expect(bob.socket.connected).toBe(true);
  });

  it("moves a socket out of a tenant it lost and into one it gained, staying connected", async () => {
    const sessions: Sessions = new Map([["s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a", "t-b"], roles: { "t-a": "viewer", "t-b": "viewer" } }]]);
    const { server, emitter } = await setup(sessions);
    const ann = await join(server.url, "s1");
    sessions.set("s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-b", "t-c"], roles: { "t-b": "viewer", "t-c": "admin" } });
    await server.revalidateUser("ann");
    for (const tenant of ["t-a", "t-b", "t-c"]) await emitter.emit(tenant, "sync.status", status(tenant, `for ${tenant}`));
    await ann.events.waitFor((e) => (e.payload as { message: string }).message === "for t-c");
    await sleep(100);
    expect(messages(ann.events).sort()).toEqual(["for t-b", "for t-c"]);
    expect(ann.socket.connected).toBe(true);
  });

  it("re-checks at the session's end without being told, and keeps a renewed session open", async () => {
    const sessions: Sessions = new Map([
      ["s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a"], expiresAt: Date.now() + 400 }],
      ["s2", { userId: "bob", sessionId: "s2", tenantIds: ["t-a"], expiresAt: Date.now() + 400 }],
    ]);
    const { server } = await setup(sessions);
    const ann = await join(server.url, "s1");
    const bob = await join(server.url, "s2");
    // Bob's session is renewed (sliding expiry) before it ends; Ann's is not.
    sessions.set("s2", { userId: "bob", sessionId: "s2", tenantIds: ["t-a"], expiresAt: Date.now() + 60_000 });
    const endsAt = sessions.get("s1")!.expiresAt!;
    const closed = await ann.closed;
    expect(closed.at - endsAt).toBeGreaterThanOrEqual(0);
    expect(closed.at - endsAt).toBeLessThan(1000);
    await sleep(200);
    expect(bob.socket.connected).toBe(true);
  });

  it("the periodic sweep catches a session that ended without a notification", async () => {
    const sessions: Sessions = new Map([["s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a"] }]]);
    const { server } = await setup(sessions, { follow: true, sweepIntervalMs: 200 });
    const ann = await join(server.url, "s1");
    const removedAt = Date.now();
    sessions.delete("s1");
    const closed = await ann.closed;
    expect(closed.at - removedAt).toBeLessThan(1000);
  });

  it("refuses a handshake from a page of another origin; one without an Origin goes on to the session check", async () => {
    const sessions: Sessions = new Map([["s1", { userId: "ann", sessionId: "s1", tenantIds: ["t-a"] }]]);
    const { server } = await setup(sessions, { follow: true, allowedOrigins: ["https://ferry.example"] });
    const foreign = openSocket(server.url, "s1", "https://evil.example");
    sockets.push(foreign);
    await refused(foreign);
    expect(await server.io.fetchSockets()).toHaveLength(0);
    for (const origin of ["https://ferry.example", undefined]) {
      const socket = openSocket(server.url, "s1", origin);
      sockets.push(socket);
      await connected(socket);
    }
    expect(await server.io.fetchSockets()).toHaveLength(2);
  });
});
