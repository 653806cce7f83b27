"use client";

import { useEffect, useRef } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useRealtime, useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { applyProgress, applyStatus, badgeOf, isActive, liveObjects, mergeFetched, observeRate, overall, type CurrentRun } from "./run-model";

/**
 * The one place a run's state lives on the client: the `syncStatus.currentRun` cache entry. Reads
 * merge into it without moving a counter back, and live events update it in place; the header,
 * the Salesforce page, the progress page and the history all read it through `useRun`.
 */
function useRunQuery() {
  const trpc = useTRPC();
  const { status } = useRealtime();
  return useQuery({
    ...trpc.syncStatus.currentRun.queryOptions(),
    structuralSharing: (prev, next) => mergeFetched(prev as CurrentRun | undefined, next as CurrentRun),
    // Without the live channel a moving run is re-read every two seconds, so a blip never leaves
    // the page stale for longer than that, however long the socket takes to come back.
    refetchInterval: (q) => (status !== "connected" && (isActive(q.state.data?.run?.status) || q.state.data?.sync?.state === "running") ? 2000 : false),
    // Back online, the run is re-read at once, while the socket is still reconnecting.
    refetchOnReconnect: "always",
    staleTime: 5_000,
  });
}

/** Mounted once per tab (in the admin shell): feeds live events into the run's cache entry. */
export function RunStoreSync() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { status } = useRealtime();
  useRunQuery();
  const key = trpc.syncStatus.currentRun.queryKey();
  const wasConnected = useRef(status === "connected");

  useEffect(() => {
    if (status === "connected" && !wasConnected.current) void queryClient.invalidateQueries(trpc.syncStatus.pathFilter());
    wasConnected.current = status === "connected";
  }, [status, queryClient, trpc]);

  useRealtimeEvent("sync.progress", (event) => {
    const data = queryClient.getQueryData<CurrentRun>(key);
    if (!data?.run || data.run.id !== event.runId) {
      // A run this tab has not read yet: read it, then follow its events.
      void queryClient.invalidateQueries(trpc.syncStatus.currentRun.queryFilter());
      return;
    }
    observeRate(data, event);
    const next = applyProgress(data, event);
    queryClient.setQueryData<CurrentRun>(key, next);
    // The engine moved on to an object this tab has no row for: re-read, so the ones before it show finished.
    if (event.object && !data.objects.some((o) => o.object === event.object)) void queryClient.invalidateQueries(trpc.syncStatus.currentRun.queryFilter());
  });

  useRealtimeEvent("sync.status", (event) => {
    // A read already on its way was answered before this change: drop it, apply the change, read again.
    void queryClient.cancelQueries(trpc.syncStatus.currentRun.queryFilter()).then(() => {
      const data = queryClient.getQueryData<CurrentRun>(key);
      if (data) queryClient.setQueryData<CurrentRun>(key, applyStatus(data, event));
      void queryClient.invalidateQueries(trpc.syncStatus.pathFilter());
      void queryClient.invalidateQueries(trpc.history.pathFilter());
      void queryClient.invalidateQueries(trpc.chart.pathFilter());
    });
  });
  return null;
}

/** The run and everything derived from it, the same for every reader. */
export function useRun() {
  const query = useRunQuery();
  const data = query.data;
  const objects = liveObjects(data);
  const figure = overall(data, objects);
  return { query, data, run: data?.run ?? null, objects, overall: figure, badge: badgeOf(data, figure), initialRun: data?.initialRun ?? null };
}
