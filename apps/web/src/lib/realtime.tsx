"use client";

import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from "react";
import { io, type Socket } from "socket.io-client";
import type { ClientToServerEvents, EventName, ServerToClientEvents } from "@ferry/realtime/events";

export type RealtimeStatus = "connecting" | "connected" | "reconnecting" | "offline" | "unauthorized";

type FerrySocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Payload<E extends EventName> = Parameters<ServerToClientEvents[E]>[0];

interface RealtimeValue {
  socket: FerrySocket | null;
  status: RealtimeStatus;
  activeTenantId: string | null;
}

const RealtimeContext = createContext<RealtimeValue>({ socket: null, status: "offline", activeTenantId: null });

const RETRY_AFTER_REFUSAL_MS = 5_000;

/**
 * One socket per tab. The server decides the rooms from the session cookie at handshake, so the
 * socket is reopened whenever the user or their set of tenants changes (sign-in, accepted invitation).
 */
export function RealtimeProvider({
  userId,
  tenantIds,
  activeTenantId,
  onUnauthorized,
  children,
}: {
  userId: string;
  tenantIds: string[];
  activeTenantId: string | null;
  onUnauthorized?: () => void;
  children: ReactNode;
}) {
  const [socket, setSocket] = useState<FerrySocket | null>(null);
  const [status, setStatus] = useState<RealtimeStatus>("connecting");
  const onUnauthorizedRef = useRef(onUnauthorized);
  useEffect(() => {
    onUnauthorizedRef.current = onUnauthorized;
  });
  const roomsKey = `${userId}|${[...tenantIds].sort().join(",")}`;

  useEffect(() => {
    // WebSocket first (one connection, no long-polling round trips); polling only where it is blocked.
    const s: FerrySocket = io({
      path: "/socket.io",
      withCredentials: true,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      // A page is live again within about 2 s of the network returning (the issue asks for 3 s):
      // retries stay at most a second apart, which a reconnecting tab's handshake easily affords.
      reconnectionDelay: 500,
      reconnectionDelayMax: 1_000,
    });
    let retry: ReturnType<typeof setTimeout> | undefined;
    setStatus("connecting");
    s.on("connect", () => setStatus("connected"));
    s.on("disconnect", (reason) => {
      if (reason === "io client disconnect") return;
      if (reason === "io server disconnect") {
        // The server closed us on purpose (e.g. the session ended); reconnecting re-checks the cookie.
        setStatus("reconnecting");
        s.connect();
        return;
      }
      setStatus("reconnecting");
    });
    s.on("connect_error", (error) => {
      if (s.active) {
        setStatus("reconnecting");
        return;
      }
      // The handshake middleware refused us: socket.io does not retry those by itself.
      if (error.message === "unauthorized") {
        setStatus("unauthorized");
        onUnauthorizedRef.current?.();
        return;
      }
      setStatus("offline");
      retry = setTimeout(() => s.connect(), RETRY_AFTER_REFUSAL_MS);
    });
    // The browser knows first when its network is back: retry at once instead of at the next tick.
    const online = () => {
      if (s.connected) return;
      s.disconnect();
      s.connect();
    };
    window.addEventListener("online", online);
    setSocket(s);
    return () => {
      window.removeEventListener("online", online);
      clearTimeout(retry);
      s.removeAllListeners();
      s.disconnect();
      setSocket(null);
    };
  }, [roomsKey]);

  return <RealtimeContext.Provider value={{ socket, status, activeTenantId }}>{children}</RealtimeContext.Provider>;
}

/** The tab's live channel and its connection state. */
export function useRealtime(): RealtimeValue {
  return useContext(RealtimeContext);
}

/**
 * Calls `handler` for each `event` about the active tenant. The socket sits in the rooms of every
 * tenant the user belongs to, so events for the other tenants are dropped here.
 */
export function useRealtimeEvent<E extends EventName>(event: E, handler: (payload: Payload<E>) => void): void {
  const { socket, activeTenantId } = useRealtime();
  const handlerRef = useRef(handler);
  useEffect(() => {
    handlerRef.current = handler;
  });

  useEffect(() => {
    if (!socket) return;
    const listener = (payload: Payload<E>) => {
      if (payload.tenantId !== activeTenantId) return;
      handlerRef.current(payload);
    };
    // socket.io's typed `on` cannot relate a generic event name to its listener; the cast is local.
    const untyped = socket as unknown as Socket;
    const name: string = event;
    const untypedListener = listener as (...args: unknown[]) => void;
    untyped.on(name, untypedListener);
    return () => {
      untyped.off(name, untypedListener);
    };
  }, [socket, event, activeTenantId]);
}
