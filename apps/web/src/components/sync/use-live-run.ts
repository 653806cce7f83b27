"use client";

import { useEffect, useReducer, useRef } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import type { SyncProgress } from "@ferry/realtime/events";
import { useRealtime, useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { averageRate, startEta, updateEta, type EtaState } from "./eta";

export interface LiveObject {
  object: string;
  operation: string;
  status: string;
  phase: string | null;
  total: number | null;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  rate: number | null;
  etaSeconds: number | null;
}

interface Live {
  runId: string | null;
  phase: string | null;
  objects: Record<string, { event: SyncProgress; eta: EtaState }>;
  lastEventAt: number | null;
}

type Action = { type: "reset"; runId: string | null } | { type: "event"; event: SyncProgress; seed?: { startedAt: number; processed: number } };

function reducer(state: Live, action: Action): Live {
  if (action.type === "reset") return { runId: action.runId, phase: null, objects: {}, lastEventAt: null };
  const { event } = action;
  const at = new Date(event.at).getTime();
  if (!event.object) return { ...state, phase: event.phase, lastEventAt: at };
  const prev = state.objects[event.object];
  // Events can arrive out of order across reconnects; never move a bar backwards.
  if (prev && prev.event.processed > event.processed && prev.event.runId === event.runId) return state;
  const base = prev?.eta ?? startEta(action.seed?.processed ?? 0, action.seed ? at : at, action.seed ? averageRate(action.seed.processed, action.seed.startedAt, at) : null);
  const eta = updateEta(base, { processed: event.processed, total: event.total, at, rate: event.rate });
  return { ...state, phase: event.phase, lastEventAt: at, objects: { ...state.objects, [event.object]: { event, eta } } };
}

const ACTIVE = new Set(["queued", "in_progress", "paused"]);

/**
 * The current run as the progress page and the badge see it: committed counters from tRPC, moved
 * on by `sync.progress` events. A reconnect (or a status change) re-reads the database, so a page
 * that missed events while offline is never left behind.
 */
export function useLiveRun() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { status } = useRealtime();
  const query = useQuery({
    ...trpc.syncStatus.currentRun.queryOptions(),
    // Without the live channel a moving run is re-read every two seconds, so a blip never leaves
    // the page stale for longer than that, however long the socket takes to come back.
    refetchInterval: (q) => (status !== "connected" && ACTIVE.has(q.state.data?.run?.status ?? "") ? 2000 : false),
    // Back online, the run is re-read at once, while the socket is still reconnecting.
    refetchOnReconnect: "always",
  });
  const [live, dispatch] = useReducer(reducer, { runId: null, phase: null, objects: {}, lastEventAt: null });
  const run = query.data?.run ?? null;
  const runId = run?.id ?? null;
  const wasConnected = useRef(status === "connected");

  useEffect(() => {
    if (live.runId !== runId) dispatch({ type: "reset", runId });
  }, [live.runId, runId]);

  useEffect(() => {
    if (status === "connected" && !wasConnected.current) void queryClient.invalidateQueries(trpc.syncStatus.pathFilter());
    wasConnected.current = status === "connected";
  }, [status, queryClient, trpc]);

  const committed = query.data?.objects ?? [];
  useRealtimeEvent("sync.progress", (event) => {
    if (event.runId !== runId) {
      // A run this page has not loaded yet: read it, then follow its events.
      void queryClient.invalidateQueries(trpc.syncStatus.currentRun.queryFilter());
      return;
    }
    const row = committed.find((o) => o.object === event.object && o.status === "in_progress") ?? committed.find((o) => o.object === event.object);
    // The engine moved on to an object this page has not read: re-read the run, so the objects
    // before it show as finished (their status is not in the events) and the new one gets its row.
    if (event.object && !row) void queryClient.invalidateQueries(trpc.syncStatus.currentRun.queryFilter());
    dispatch({ type: "event", event, seed: row ? { startedAt: new Date(row.startedAt).getTime(), processed: row.processed } : undefined });
  });
  useRealtimeEvent("sync.status", () => void queryClient.invalidateQueries(trpc.syncStatus.pathFilter()));

  const now = Date.now();
  const objects: LiveObject[] = committed.map((row) => {
    const ev = live.runId === runId ? live.objects[row.object] : undefined;
    const fromEvent = ev && (row.operation === "pull_updates" || row.status === "in_progress") && ev.event.processed >= row.processed;
    const processed = fromEvent ? ev.event.processed : row.processed;
    const total = fromEvent ? (ev.event.total ?? row.total) : row.total;
    let rate = fromEvent ? ev.eta.rate : null;
    let etaSeconds = fromEvent ? ev.eta.etaSeconds : null;
    if (!fromEvent && row.status === "in_progress") {
      rate = averageRate(row.processed, new Date(row.startedAt).getTime(), now);
      etaSeconds = rate && total !== null ? Math.max(0, total - processed) / rate : null;
    }
    return {
      object: row.object,
      operation: row.operation,
      status: row.status,
      phase: fromEvent ? ev.event.phase : null,
      total,
      processed,
      created: fromEvent ? ev.event.created : row.created,
      updated: fromEvent ? ev.event.updated : row.updated,
      failed: fromEvent ? ev.event.failed : row.failed,
      rate: row.status === "in_progress" ? rate : null,
      etaSeconds: row.status === "in_progress" ? etaSeconds : row.status === "succeeded" ? 0 : null,
    };
  });
  // Objects the engine reported before this page read them (the row was created after the read).
  for (const [name, { event, eta }] of Object.entries(live.runId === runId ? live.objects : {})) {
    if (objects.some((o) => o.object === name)) continue;
    objects.push({ object: name, operation: "pull_updates", status: "in_progress", phase: event.phase, total: event.total, processed: event.processed, created: event.created, updated: event.updated, failed: event.failed, rate: eta.rate, etaSeconds: eta.etaSeconds });
  }
  return { query, run, objects, phase: live.phase ?? run?.phase ?? null, lastEventAt: live.lastEventAt };
}

/** The run as a whole: objects are read one after another, so the remaining work goes at the pace of the one moving now. */
export function overall(objects: LiveObject[]): { percent: number | null; total: number; processed: number; etaSeconds: number | null } {
  let total = 0;
  let processed = 0;
  let counted = false;
  let rate = 0;
  for (const o of objects) {
    if (o.status === "in_progress" && o.rate) rate = Math.max(rate, o.rate);
    if (o.total === null) continue;
    counted = true;
    total += o.total;
    processed += Math.min(o.processed, o.total);
  }
  if (!counted) return { percent: null, total, processed, etaSeconds: null };
  const remaining = total - processed;
  return {
    percent: total === 0 ? 100 : Math.floor((processed / total) * 1000) / 10,
    total,
    processed,
    etaSeconds: remaining === 0 ? 0 : rate > 0 ? remaining / rate : null,
  };
}
