"use client";

import { useQuery } from "@tanstack/react-query";
import { CircleCheck, CircleDashed, CirclePause, CircleX, Gauge, ListChecks, LoaderCircle, Rocket, Unplug } from "lucide-react";
import type { SyncStatus } from "@ferry/realtime/events";
import { useTRPC } from "@/lib/trpc";
import { cn, formatDateTime, formatRelative } from "@/lib/utils";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";

export type SyncStatusView = Pick<SyncStatus, "state" | "message" | "lastSyncedAt" | "resumesAt">;

/** The setup steps before the first sync (Admin > Salesforce), shown until the sync reports live. */
type SetupState = "validated" | "fields_synced" | "ready";
type BadgeState = SyncStatusView["state"] | SetupState;
type BadgeView = Omit<SyncStatusView, "state"> & { state: BadgeState };

const NOT_CONNECTED: SyncStatusView = { state: "not_connected" };

const looks = {
  not_connected: { icon: Unplug, tone: "border-border bg-card text-muted-foreground", dot: "bg-muted-foreground/50" },
  idle: { icon: CircleCheck, tone: "border-success/25 bg-success/8 text-[oklch(0.42_0.11_155)]", dot: "bg-success" },
  running: { icon: LoaderCircle, tone: "border-primary/25 bg-primary/8 text-primary", dot: "bg-primary" },
  failed: { icon: CircleX, tone: "border-destructive/25 bg-destructive/8 text-destructive", dot: "bg-destructive" },
  paused: { icon: CirclePause, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
  api_capped: { icon: Gauge, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
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
      return "Sync in Progress";
    case "failed":
      return "Failed";
    case "paused":
      return "Sync paused";
    case "api_capped":
      return "API cap reached";
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
  const connection = useQuery({ ...trpc.salesforce.connection.queryOptions(), enabled: !status });
  const current: BadgeView = status ?? (connection.data ? fromConnection(connection.data.state) : NOT_CONNECTED);
  const look = looks[current.state];
  const Icon = look.icon;
  const text = label(current);
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          role="status"
          tabIndex={0}
          aria-label={`Sync status: ${text}${current.state === "failed" && current.message ? ` (${current.message})` : ""}`}
          data-testid="status-badge"
          data-state={current.state}
          className={cn(
            "inline-flex h-8 items-center gap-2 rounded-full border px-2.5 text-[13px] min-[420px]:px-3 font-medium whitespace-nowrap outline-none focus-visible:ring-[3px] focus-visible:ring-ring/40",
            look.tone,
            className,
          )}
        >
          <Icon className={cn("size-3.5", current.state === "running" && "animate-spin")} aria-hidden />
          <span className="hidden min-[420px]:inline">{text}</span>
        </span>
      </TooltipTrigger>
      <TooltipContent side="bottom" align="end">
        {detail(current)}
      </TooltipContent>
    </Tooltip>
  );
}
