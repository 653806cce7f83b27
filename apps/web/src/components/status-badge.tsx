"use client";

import { CircleCheck, CirclePause, CircleX, Gauge, LoaderCircle, Unplug } from "lucide-react";
import type { SyncStatus } from "@ferry/realtime/events";
import { cn, formatDateTime, formatRelative } from "@/lib/utils";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";

export type SyncStatusView = Pick<SyncStatus, "state" | "message" | "lastSyncedAt" | "resumesAt">;

const NOT_CONNECTED: SyncStatusView = { state: "not_connected" };

const looks = {
  not_connected: { icon: Unplug, tone: "border-border bg-card text-muted-foreground", dot: "bg-muted-foreground/50" },
  idle: { icon: CircleCheck, tone: "border-success/25 bg-success/8 text-[oklch(0.42_0.11_155)]", dot: "bg-success" },
  running: { icon: LoaderCircle, tone: "border-primary/25 bg-primary/8 text-primary", dot: "bg-primary" },
  failed: { icon: CircleX, tone: "border-destructive/25 bg-destructive/8 text-destructive", dot: "bg-destructive" },
  paused: { icon: CirclePause, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
  api_capped: { icon: Gauge, tone: "border-warning/40 bg-warning/12 text-[oklch(0.47_0.1_65)]", dot: "bg-warning" },
} as const;

function label(status: SyncStatusView): string {
  switch (status.state) {
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

function detail(status: SyncStatusView): string {
  switch (status.state) {
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
 * Failed"). Presentational only: whoever knows the tenant's sync state passes it in.
 */
export function StatusBadge({ status = NOT_CONNECTED, className }: { status?: SyncStatusView | null; className?: string }) {
  const current = status ?? NOT_CONNECTED;
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
