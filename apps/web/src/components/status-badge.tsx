"use client";

import Link from "next/link";
import { CircleCheck, CircleDashed, CirclePause, CircleX, Gauge, ListChecks, LoaderCircle, RefreshCw, Rocket, Unplug } from "lucide-react";
import { cn, formatDateTime, formatRelative } from "@/lib/utils";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";
import { useRun } from "@/components/sync/run-store";
import { useLiveStreamLabel } from "@/components/sync/near-real-time-card";
import type { BadgeState, BadgeView } from "@/components/sync/run-model";

/** The setup steps before the first sync (Admin > Salesforce). */
type SetupState = "validated" | "fields_synced" | "ready";

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

function formatResume(at: Date | string): string {
  const date = new Date(at);
  return date.getTime() - Date.now() < 20 * 3600 * 1000 ? `at ${timeOfDay.format(date)}` : formatDateTime(date);
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
      return [status.message, status.resumesAt ? `Resumes ${formatDateTime(status.resumesAt)}.` : undefined].filter(Boolean).join(" ") || "Sync is on hold.";
  }
}

/**
 * The sync status at the top right of every admin page (Marketo's "Last Synced / Sync in Progress /
 * Failed"), read from the run's one cache entry (`useRun`), the same the Salesforce page and the
 * progress page read: before the first sync it follows the setup flow (Not connected → Credentials
 * validated → Fields synced → Ready to start), then the sync. A background check keeps "Last Synced"
 * with a quiet "checking" mark.
 */
export function StatusBadge({ className }: { className?: string }) {
  const { badge: current } = useRun();
  const look = looks[current.state];
  const Icon = look.icon;
  // Near-real-time: while the stream is live and no run is moving, the badge says so.
  const liveLabel = useLiveStreamLabel();
  const text = current.state === "idle" && liveLabel ? liveLabel : label(current);
  const href = linkFor(current.state);
  const badge = (
    <span
      role="status"
      tabIndex={href ? undefined : 0}
      aria-label={`Sync status: ${text}${current.checking ? ", checking for changes" : ""}${current.state === "failed" && current.message ? ` (${current.message})` : ""}`}
      data-testid="status-badge"
      data-state={current.state}
      data-checking={current.checking ? "true" : undefined}
      data-percent={typeof current.percent === "number" ? current.percent : undefined}
      className={cn(
        "inline-flex h-8 max-w-[min(15rem,46vw)] items-center gap-1.5 rounded-full border px-2.5 text-[12px] sm:max-w-none sm:gap-2 sm:px-3 sm:text-[13px] font-medium whitespace-nowrap outline-none focus-visible:ring-[3px] focus-visible:ring-ring/40",
        look.tone,
        className,
      )}
    >
      <Icon className={cn("size-3.5 shrink-0", current.state === "running" && "animate-spin")} aria-hidden />
      <span className="truncate">{text}</span>
      {current.checking ? (
        <span className="inline-flex items-center gap-1 text-[11px] font-normal opacity-80" data-testid="status-checking">
          <RefreshCw className="size-3 animate-spin [animation-duration:2.5s]" aria-hidden />
          <span className="hidden sm:inline">checking</span>
        </span>
      ) : null}
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
        {current.checking ? " Ferry is checking Salesforce for changes in the background." : null}
        {current.state === "failed" ? " Select to see the details." : null}
      </TooltipContent>
    </Tooltip>
  );
}
