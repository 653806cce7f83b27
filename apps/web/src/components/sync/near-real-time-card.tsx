"use client";

import { useEffect, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { CircleAlert, Zap } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { formatDateTime } from "@/lib/utils";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";

const minuteLabel = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const number = new Intl.NumberFormat();

/** "3 s ago", "4 min ago": a live stream's last change, re-rendered every second. */
function ago(at: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - new Date(at).getTime()) / 1000));
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

type Stream = { state: string; lastEventAt: string | null; reason: string | null; enabled: boolean };

/** The stream's state in words, as the status line and the badge show it. */
export function streamWords(stream: Stream, now: number): string {
  if (!stream.enabled) return "Off — changes arrive on the regular cycle";
  switch (stream.state) {
    case "live":
      return stream.lastEventAt ? `Live — last change ${ago(stream.lastEventAt, now)}` : "Live — no change streamed yet";
    case "catching_up":
      return "Catching up — reading the changes the stream could not carry";
    case "retrying":
      return "Reconnecting — the regular cycle covers changes meanwhile";
    case "starting":
      return "Starting the stream";
    default:
      return "Waiting for a worker";
  }
}

/**
 * Near-real-time sync: the switch (owners and admins), the stream's state in words ("Live — last
 * change 3 s ago", or why it fell back), and per minute over the last hour the changes streamed and
 * their lag from Salesforce's commit to Ferry's. Live events move it without a reload.
 */
export function NearRealTimeCard({ canEdit, charts = true }: { canEdit: boolean; charts?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const view = useQuery({ ...trpc.salesforce.nearRealTime.queryOptions(), refetchInterval: 30_000 });
  const now = useNow(1_000);
  const [live, setLive] = useState<{ state: string; lastEventAt: string | null; reason: string | null } | null>(null);
  useRealtimeEvent("sync.stream", (event) => {
    setLive({ state: event.state, lastEventAt: event.lastEventAt ?? null, reason: event.reason ?? null });
    if (event.applied) void queryClient.invalidateQueries(trpc.salesforce.nearRealTime.queryFilter());
  });
  const save = useMutation(
    trpc.salesforce.setNearRealTime.mutationOptions({
      async onSuccess(result) {
        setLive(null);
        toast.success(
          result.enabled ? "Near-real-time sync is on: changes stream in within seconds." : "Near-real-time sync is off: changes arrive on the regular cycle.",
        );
        await queryClient.invalidateQueries(trpc.salesforce.nearRealTime.queryFilter());
      },
    }),
  );
  const data = view.data;
  const stream: Stream | null = data
    ? {
        enabled: data.enabled,
        state: live?.state ?? data.state,
        lastEventAt:
          [live?.lastEventAt, data.lastEventAt]
            .filter((v): v is string => Boolean(v))
            .sort()
            .at(-1) ?? null,
        reason: live ? live.reason : data.reason,
      }
    : null;
  const failure = save.error ? errorInfo(save.error) : null;
  const minutes = data?.minutes ?? [];
  return (
    <Card data-testid="near-real-time">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Zap className="size-4" aria-hidden />
          Near-real-time sync
        </CardTitle>
        <CardDescription>
          Salesforce streams each change to Ferry as it is committed (Change Data Capture over the Pub/Sub API), usually within seconds, and costs no API calls
          while nothing changes. The regular cycle then runs hourly as a safety net.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        {!stream ? (
          <Skeleton className="h-10" />
        ) : (
          <div className="grid gap-1">
            <p role="status" className="font-medium" data-testid="stream-status" data-state={stream.enabled ? stream.state : "off"}>
              {streamWords(stream, now)}
            </p>
            {stream.enabled && stream.reason ? (
              <p className="text-sm text-muted-foreground" data-testid="stream-reason">
                {stream.reason}
              </p>
            ) : null}
            {data && data.enabled && data.eventsApplied > 0 ? (
              <p className="text-xs text-muted-foreground">
                {number.format(data.eventsApplied)} changes streamed
                {data.echoesSkipped > 0 ? `; ${number.format(data.echoesSkipped)} of Ferry's own edits recognised and not applied again` : ""}.
              </p>
            ) : null}
          </div>
        )}
        {canEdit && data ? (
          <div className="flex flex-wrap items-center gap-3">
            <Button
              type="button"
              variant={data.enabled ? "outline" : "default"}
              pending={save.isPending}
              aria-pressed={data.enabled}
              data-testid="near-real-time-toggle"
              onClick={() => save.mutate({ enabled: !data.enabled })}
            >
              {data.enabled ? "Turn near-real-time off" : "Turn near-real-time on"}
            </Button>
            {!data.available ? <span className="text-sm text-muted-foreground">The stream starts once the Salesforce sync is running.</span> : null}
          </div>
        ) : !canEdit ? (
          <p className="text-sm text-muted-foreground">Owners and admins turn near-real-time sync on or off.</p>
        ) : null}
        {failure ? (
          <Alert variant="destructive">
            <CircleAlert aria-hidden />
            <AlertDescription>{failure.message}</AlertDescription>
          </Alert>
        ) : null}
        {charts && data?.enabled ? (
          <div className="grid gap-4 lg:grid-cols-2" data-testid="stream-charts">
            <div className="h-48">
              <p className="mb-1 text-sm font-medium">Changes streamed per minute</p>
              {minutes.length === 0 ? (
                <p className="grid h-full place-items-center text-sm text-muted-foreground">No change streamed in the last hour.</p>
              ) : (
                <ResponsiveContainer width="100%" height="90%">
                  <BarChart data={minutes} margin={{ left: 4, right: 8 }} accessibilityLayer>
                    <CartesianGrid vertical={false} strokeDasharray="3 3" />
                    <XAxis dataKey="minute" tickFormatter={(v: string) => minuteLabel.format(new Date(v))} minTickGap={32} fontSize={12} />
                    <YAxis width={48} fontSize={12} />
                    <Tooltip labelFormatter={(v) => formatDateTime(String(v))} />
                    <Legend />
                    <Bar dataKey="events" name="Changes" fill="oklch(0.55 0.17 262)" />
                    <Bar dataKey="echoes" name="Ferry's own (skipped)" fill="oklch(0.7 0.14 65)" />
                  </BarChart>
                </ResponsiveContainer>
              )}
            </div>
            <div className="h-48">
              <p className="mb-1 text-sm font-medium">Lag: Salesforce commit → Ferry commit</p>
              {minutes.length === 0 ? (
                <p className="grid h-full place-items-center text-sm text-muted-foreground">No change streamed in the last hour.</p>
              ) : (
                <ResponsiveContainer width="100%" height="90%">
                  <LineChart data={minutes} margin={{ left: 4, right: 8 }} accessibilityLayer>
                    <CartesianGrid vertical={false} strokeDasharray="3 3" />
                    <XAxis dataKey="minute" tickFormatter={(v: string) => minuteLabel.format(new Date(v))} minTickGap={32} fontSize={12} />
                    <YAxis width={56} fontSize={12} tickFormatter={(v: number) => `${number.format(v)} ms`} />
                    <Tooltip labelFormatter={(v) => formatDateTime(String(v))} formatter={(v) => `${number.format(Number(v))} ms`} />
                    <Legend />
                    <Line type="monotone" dataKey="lagMsAvg" name="Average" stroke="oklch(0.62 0.15 155)" dot={false} />
                    <Line type="monotone" dataKey="lagMsMax" name="Slowest" stroke="oklch(0.58 0.2 25)" dot={false} />
                  </LineChart>
                </ResponsiveContainer>
              )}
            </div>
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}

/**
 * For the header badge: "Live — last change 3 s ago" while the tenant's stream is live, else null
 * (the badge then shows the cycle's state as before).
 */
export function useLiveStreamLabel(): string | null {
  const trpc = useTRPC();
  const view = useQuery({ ...trpc.salesforce.nearRealTime.queryOptions(), refetchInterval: 60_000 });
  const now = useNow(1_000);
  const [live, setLive] = useState<{ state: string; lastEventAt: string | null } | null>(null);
  useRealtimeEvent("sync.stream", (event) => setLive({ state: event.state, lastEventAt: event.lastEventAt ?? null }));
  const data = view.data;
  if (!data?.enabled) return null;
  const state = live?.state ?? data.state;
  if (state !== "live") return null;
  const lastEventAt =
    [live?.lastEventAt, data.lastEventAt]
      .filter((v): v is string => Boolean(v))
      .sort()
      .at(-1) ?? null;
  return streamWords({ enabled: true, state, lastEventAt, reason: null }, now);
}
