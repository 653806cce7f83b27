import { Emitter } from "@socket.io/postgres-emitter";
import pg from "pg";
import { type EventName, type EventPayload, type ServerToClientEvents, tenantRoom, userRoom, validateEvent } from "./events";
import type { RealtimeServer } from "./server";

export type EmitterTarget = { kind: "inprocess"; io: RealtimeServer } | { kind: "postgres"; connectionString: string };

export interface EmitOptions {
  /**
   * Users whose own rooms get the event too (each socket once), for an event that concerns them
   * even when their sockets are no longer, or not yet again, in the tenant's room.
   */
  alsoToUsers?: readonly string[];
}

export interface RealtimeEmitter {
  /** Validates, then sends `event` to every socket in the tenant's room. Rejects, sending nothing, on a bad payload. */
  emit<E extends EventName>(tenantId: string, event: E, payload: EventPayload<E>, options?: EmitOptions): Promise<void>;
  close(): Promise<void>;
}

export function createEmitter(target: EmitterTarget): RealtimeEmitter {
  if (target.kind === "inprocess") {
    const { io } = target;
    return {
      async emit(tenantId, event, payload, options) {
        const data = validateEvent(tenantId, event, payload);
        (io.to(roomsFor(tenantId, options)).emit as (event: EventName, data: unknown) => boolean)(event, data);
      },
      async close() {},
    };
  }

  const pool = new pg.Pool({ connectionString: target.connectionString, max: 2 });
  // An idle connection closed by the server (restart, pg_terminate_backend) must not take the process
  // down; the pool opens a fresh one for the next emit, and emit() reports its own failures.
  pool.on("error", () => {});
  // The emitter fires pool.query without awaiting it and, on failure, broadcasts an "error" event to
  // every client. This narrow pool hands the query to emit() instead, which awaits and rethrows it.
  let lastQuery: Promise<unknown> | undefined;
  const capturingPool = {
    query(text: string, values?: unknown[]) {
      const query = pool.query(
        text,
        values?.map((value, index) => (index === 1 && text.includes("pg_notify") ? withNamespace(value) : value)),
      );
      lastQuery = query;
      return query.catch(() => ({ rows: [] }));
    },
  };
  const emitter = new Emitter<ServerToClientEvents>(capturingPool, NAMESPACE);
  return {
    async emit(tenantId, event, payload, options) {
      const data = validateEvent(tenantId, event, payload);
      lastQuery = undefined;
      (emitter.to(roomsFor(tenantId, options)).emit as (event: EventName, data: unknown) => boolean)(event, data);
      const sent = lastQuery;
      if (!sent) throw new Error(`postgres emitter did not publish "${event}"`);
      await sent;
    },
    async close() {
      await pool.end();
    },
  };
}

const NAMESPACE = "/";

function roomsFor(tenantId: string, options: EmitOptions | undefined): string[] {
  return [tenantRoom(tenantId), ...(options?.alsoToUsers ?? []).map(userRoom)];
}

/**
 * @socket.io/postgres-emitter 0.1.1 leaves `nsp` off its messages, while @socket.io/postgres-adapter
 * 0.5 (a ClusterAdapter) drops every message whose `nsp` is not its namespace's. Adding it is all
 * the two need to interoperate; the postgres test proves the round trip.
 */
function withNamespace(payload: unknown): unknown {
  if (typeof payload !== "string") return payload;
  const message = JSON.parse(payload) as Record<string, unknown>;
  return "nsp" in message ? payload : JSON.stringify({ ...message, nsp: NAMESPACE });
}
