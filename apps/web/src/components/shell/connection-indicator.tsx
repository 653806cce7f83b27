"use client";

import { useRealtime, type RealtimeStatus } from "@/lib/realtime";
import { cn } from "@/lib/utils";
import { Tooltip, TooltipContent, TooltipTrigger } from "@/components/ui/tooltip";

const looks: Record<RealtimeStatus, { label: string; dot: string; help: string }> = {
  connected: { label: "Live", dot: "bg-success", help: "Live updates are on: changes appear here as they happen." },
  connecting: { label: "Connecting", dot: "bg-warning animate-pulse", help: "Opening the live channel…" },
  reconnecting: { label: "Reconnecting", dot: "bg-warning animate-pulse", help: "The live channel dropped; reconnecting. Pages still load normally." },
  offline: { label: "Offline", dot: "bg-muted-foreground/60", help: "No live updates right now; Ferry keeps retrying. Reload to see the latest." },
  unauthorized: { label: "Offline", dot: "bg-destructive", help: "The live channel refused this session. Sign in again." },
};

/** A small dot showing whether this tab receives live events. */
export function ConnectionIndicator({ className }: { className?: string }) {
  const { status } = useRealtime();
  const look = looks[status];
  return (
    <Tooltip>
      <TooltipTrigger asChild>
        <span
          tabIndex={0}
          data-testid="live-indicator"
          data-state={status}
          className={cn(
            "inline-flex h-8 items-center gap-2 rounded-full px-2.5 text-xs font-medium text-muted-foreground outline-none focus-visible:ring-[3px] focus-visible:ring-ring/40",
            className,
          )}
        >
          <span className="relative flex size-2">
            {status === "connected" ? (
              <span className="absolute inline-flex size-full animate-ping rounded-full bg-success opacity-40 [animation-duration:2.5s]" />
            ) : null}
            <span className={cn("relative inline-flex size-2 rounded-full", look.dot)} />
          </span>
          <span className="hidden lg:inline" aria-live="polite">
            {look.label}
          </span>
          <span className="sr-only lg:hidden">Live updates: {look.label}</span>
        </span>
      </TooltipTrigger>
      <TooltipContent side="bottom">{look.help}</TooltipContent>
    </Tooltip>
  );
}
