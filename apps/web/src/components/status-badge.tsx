"use client";

import { useEffect, useRef, useState } from "react";
import Link from "next/link";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleCheck, CircleDashed, CirclePause, CircleX, Gauge, ListChecks, LoaderCircle, Rocket, Unplug } from "lucide-react";
import type { SyncStatus } from "@ferry/realtime/events";
import { useRealtime, useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { cn, formatDateTime, formatRelative } from "@/lib/utils";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";

export type SyncStatusView = Pick<SyncStatus, "state" | "message" | "lastSyncedAt" | "resumesAt">;

/** The setup steps before the first sync (Admin > Salesforce), shown until the sync reports live. */
type SetupState = "validated" | "fields_synced" | "ready";
type BadgeState = SyncStatusView["state"] | SetupState;
type BadgeView = Omit<SyncStatusView, "state"> & { state: BadgeState; percent?: number | null; href?: string | null };

const NOT_CONNECTED: SyncStatusView = { state: "not_connected" };
const SETUP_STATES = new Set<BadgeState>(["not_connected", "validated", "fields_synced", "ready"]);

const looks = {
  not_connected: { icon: Unplug, tone: "border-border bg-card text-muted-foreground", dot: "bg-muted-foreground/50" },
  idle: { icon: CircleCheck, tone: "border-success/25 bg-success/8 text-[oklch(0.42_0.11_155)]", dot: "bg-success" },
  running: { icon: LoaderCircle, tone: "border-primary/25 bg-primary/8 text-primary", dot: "bg-primary" },
  failed: { icon: CircleX, tone: "border-destructive/25 bg-destructive/8 text-[oklch(0.5_0.2_27)]", dot: "bg-destructive" },
  paused: { icon: CirclePause, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
  api_capped: { icon: Gauge, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
  org_limited: { icon: Gauge, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
  validated: { icon: CircleDashed, tone: "border-primary/20 bg-card text-primary", dot: "bg-primary" },
  fields_synced: { icon: ListChecks, tone: "border-primary/20 bg-card text-primary", dot: "bg-primary" },
  ready: { icon: Rocket, tone: "border-primary/25 bg-primary/8 text-primary", dot: "bg-primary" },
} as const;

const setupLabels: Record<SetupState, { label: string; detail: string }> = {
  validated: { label: "Credentials validated", detail: "Next: Sync Fields under Admin > Salesforce." },
  fields_synced: { label: "Fields synced", detail: "Next: Confirm Credentials under Admin > Salesforce." },
  ready: { label: "Ready to start", detail: "Review the mappings and start the Salesforce sync." },
};

/** The connection's flow state as a badge state; the sync's own states once it has started. */
function fromConnection(state: string | undefined): BadgeView {
  switch (state) {
    case "validated":
    case "fields_synced":
      return { state };
    case "confirmed":
    case "ready":
      return { state: "ready" };
    case "syncing":
      return { state: "running", message: "The initial sync is queued or running." };
    case "paused":
      return { state: "paused" };
    case "failed":
      return { state: "failed" };
    default:
      return { state: "not_connected" };
  }
}

function label(status: BadgeView): string {
  switch (status.state) {
    case "validated":
    case "fields_synced":
    case "ready":
      return setupLabels[status.state].label;
    case "not_connected":
      return "Not connected";
    case "idle":
      return status.lastSyncedAt ? `Last Synced ${formatRelative(status.lastSyncedAt)}` : "Connected";
    case "running":
      return typeof status.percent === "number" ? `Sync in Progress · ${status.percent}%` : "Sync in Progress";
    case "failed":
      return "Failed";
    case "paused":
      return "Sync paused";
    case "api_capped":
      return status.resumesAt ? `API cap reached — resumes ${formatResume(status.resumesAt)}` : "API cap reached";
    case "org_limited":
      return status.resumesAt ? `Salesforce org API limit reached — resumes ${formatResume(status.resumesAt)}` : "Salesforce org API limit reached";
  }
}

const timeOfDay = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });

function formatResume(at: string): string {
  const date = new Date(at);
  return date.getTime() - Date.now() < 20 * 3600 * 1000 ? `at ${timeOfDay.format(date)}` : formatDateTime(date);
}

/** The sync status rebuilt from the database (sync state, the run's overall %, the failed run to link to). */
function fromServer(view: { state: BadgeState; message: string | null; lastSyncedAt: string | null; resumesAt: string | null; percent: number | null; failedRunId: string | null }): BadgeView {
  return {
    state: view.state,
    ...(view.message ? { message: view.message } : {}),
    ...(view.lastSyncedAt ? { lastSyncedAt: view.lastSyncedAt } : {}),
    ...(view.resumesAt ? { resumesAt: view.resumesAt } : {}),
    percent: view.percent,
  };
}

function linkFor(state: BadgeState): string | null {
  switch (state) {
    case "running":
    case "paused":
    case "api_capped":
    case "org_limited":
      return "/salesforce/progress";
    case "failed":
      return "/sync-history?status=failed";
    default:
      return null;
  }
}

function detail(status: BadgeView): string {
  switch (status.state) {
    case "validated":
    case "fields_synced":
    case "ready":
      return setupLabels[status.state].detail;
    case "not_connected":
      return "Salesforce is not connected to this tenant yet.";
    case "idle":
      return status.lastSyncedAt ? `Last synced ${formatDateTime(status.lastSyncedAt)}.` : "Connected; no sync has finished yet.";
    case "running":
      return status.message ?? "A sync is running now.";
    case "failed":
      return status.message ?? "The last sync failed.";
    case "paused":
    case "api_capped":
    case "org_limited":
      return [status.message, status.resumesAt ? `Resumes ${formatDateTime(status.resumesAt)}.` : undefined].filter(Boolean).join(" ") ||
        "Sync is on hold.";
  }
}

/**
 * The sync status at the top right of every admin page (Marketo's "Last Synced / Sync in Progress /
 * Failed"). A live status pushed by the sync wins; until there is one, the badge follows the
 * connection flow read from the server (Not connected → Credentials validated → Fields synced →
 * Ready to start → Sync in Progress).
 */
export function StatusBadge({ status, className }: { status?: SyncStatusView | null; className?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { status: socket } = useRealtime();
  // While the live channel is down the badge re-reads itself, so it is never stale for long.
  const server = useQuery({ ...trpc.syncStatus.badge.queryOptions(), refetchInterval: socket === "connected" ? false : 5000 });
  // The setup flow refreshes the connection query after each step, so setup states follow it.
  const connection = useQuery(trpc.salesforce.connection.queryOptions());
  // A pushed status wins only until the database has been read again after it.
  const [liveAt, setLiveAt] = useState(0);
  useEffect(() => {
    if (status) setLiveAt(Date.now());
  }, [status]);
  useRealtimeEvent("sync.status", () => void queryClient.invalidateQueries(trpc.syncStatus.badge.queryFilter()));
  const lastProgressRefetch = useRef(0);
  const trailing = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(trailing.current), []);
  useRealtimeEvent("sync.progress", () => {
    // The overall % is re-read from the committed counters at most every two seconds, and once
    // more after the last event so the badge ends on the final numbers.
    const refetch = () => {
      trailing.current = undefined;
      lastProgressRefetch.current = Date.now();
      void queryClient.invalidateQueries(trpc.syncStatus.badge.queryFilter());
    };
    const wait = 2000 - (Date.now() - lastProgressRefetch.current);
    if (wait <= 0) refetch();
    else trailing.current ??= setTimeout(refetch, wait);
  });
  const wasConnected = useRef(socket === "connected");
  useEffect(() => {
    if (socket === "connected" && !wasConnected.current) void queryClient.invalidateQueries(trpc.syncStatus.badge.queryFilter());
    wasConnected.current = socket === "connected";
  }, [socket, queryClient, trpc]);

  const fromDb = server.data ? fromServer(server.data) : null;
  const setup = fromDb === null || SETUP_STATES.has(fromDb.state);
  const current: BadgeView =
    status && (!fromDb || liveAt > server.dataUpdatedAt)
      ? { ...status, percent: status.state === fromDb?.state ? fromDb.percent : null }
      : setup && connection.data
        ? fromConnection(connection.data.state)
        : (fromDb ?? NOT_CONNECTED);
  const look = looks[current.state];
  const Icon = look.icon;
  const text = label(current);
  const href = linkFor(current.state);
  const badge = (
    <span
      role="status"
      tabIndex={href ? undefined : 0}
      aria-label={`Sync status: ${text}${current.state === "failed" && current.message ? ` (${current.message})` : ""}`}
      data-testid="status-badge"
      data-state={current.state}
      data-percent={typeof current.percent === "number" ? current.percent : undefined}
      className={cn(
        "inline-flex h-8 items-center gap-2 rounded-full border px-2.5 text-[13px] min-[420px]:px-3 font-medium whitespace-nowrap outline-none focus-visible:ring-[3px] focus-visible:ring-ring/40",
        look.tone,
        className,
      )}
    >
      <Icon className={cn("size-3.5", current.state === "running" && "animate-spin")} aria-hidden />
      <span className="hidden min-[420px]:inline">{text}</span>
    </span>
  );
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        {href ? (
          <Link href={href} className="rounded-full outline-none focus-visible:ring-[3px] focus-visible:ring-ring/40">
            {badge}
          </Link>
        ) : (
          badge
        )}
      </TooltipTrigger>
      <TooltipContent side="bottom" align="end">
        {detail(current)}
        {current.state === "failed" ? " Select to see the details." : null}
      </TooltipContent>
    </Tooltip>
  );
}
