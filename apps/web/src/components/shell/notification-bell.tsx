"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Bell, CheckCheck, CircleCheck, CircleX, Columns3, Gauge, Info, KeyRound, Mail, UserPlus, Wrench, type LucideIcon } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { cn, formatRelative } from "@/lib/utils";
import { Button } from "@/components/ui/button";
import { Popover, PopoverContent, PopoverTrigger } from "@/components/ui/popover";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";

const icons: Record<string, LucideIcon> = {
  credentials_expired: KeyRound,
  api_cap_reached: Gauge,
  schema_changed: Columns3,
  sync_failed: CircleX,
  initial_sync_finished: CircleCheck,
  reconcile_repaired: Wrench,
  member_joined: UserPlus,
  invitation_sent: Mail,
};

// Where each kind is acted on.
const links: Record<string, { href: string; label: string }> = {
  credentials_expired: { href: "/salesforce", label: "Update credentials" },
  api_cap_reached: { href: "/salesforce/progress", label: "See API usage" },
  schema_changed: { href: "/salesforce", label: "Review fields and mappings" },
  sync_failed: { href: "/errors", label: "See sync errors" },
  initial_sync_finished: { href: "/salesforce/progress", label: "See the run" },
  reconcile_repaired: { href: "/sync-history", label: "See sync history" },
};

// These need someone to act; the rest only update the list quietly.
const urgent = new Set(["credentials_expired", "api_cap_reached", "schema_changed", "sync_failed"]);

/** The tenant's in-app notifications, kept current by the live channel. */
export function NotificationBell({ canMarkRead = true }: { canMarkRead?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.notification.list.queryOptions({ limit: 20 }));
  const unread = list.data?.filter((item) => !item.readAt) ?? [];

  useRealtimeEvent("notification", (notification) => {
    void queryClient.invalidateQueries(trpc.notification.list.pathFilter());
    if (urgent.has(notification.kind)) toast.error(notification.title, notification.body);
    else if (notification.kind === "initial_sync_finished") toast.success(notification.title, notification.body);
  });

  const markRead = useMutation(
    trpc.notification.markRead.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.notification.list.pathFilter()),
      onError: (error) => toast.error("Could not mark notifications as read", errorInfo(error).message),
    }),
  );

  return (
    <Popover>
      <PopoverTrigger asChild>
        <Button
          variant="ghost"
          size="icon-sm"
          className="relative"
          aria-label={unread.length > 0 ? `Notifications, ${unread.length} unread` : "Notifications"}
          data-testid="notifications"
        >
          <Bell aria-hidden />
          {unread.length > 0 ? (
            <span className="absolute -top-0.5 -right-0.5 flex h-4 min-w-4 items-center justify-center rounded-full bg-destructive px-1 text-[10px] leading-none font-semibold text-white ring-2 ring-card">
              {unread.length > 9 ? "9+" : unread.length}
            </span>
          ) : null}
        </Button>
      </PopoverTrigger>
      <PopoverContent align="end" className="w-[22rem] max-w-[calc(100vw-1.5rem)] p-0">
        <div className="flex items-center justify-between gap-2 border-b px-4 py-3">
          <h2 className="text-sm font-semibold">Notifications</h2>
          {canMarkRead && unread.length > 0 ? (
            <Button
              variant="ghost"
              size="sm"
              className="h-7 px-2 text-xs"
              pending={markRead.isPending}
              onClick={() => markRead.mutate({ ids: unread.map((item) => item.id) })}
            >
              {markRead.isPending ? null : <CheckCheck aria-hidden />}
              Mark all as read
            </Button>
          ) : null}
        </div>
        <div className="max-h-[24rem] overflow-y-auto">
          {list.isPending ? (
            <div className="grid gap-3 p-4">
              <Skeleton className="h-10" />
              <Skeleton className="h-10" />
            </div>
          ) : list.isError ? (
            <p className="p-4 text-sm text-destructive">{errorInfo(list.error).message}</p>
          ) : list.data.length === 0 ? (
            <div className="flex flex-col items-center gap-2 px-4 py-10 text-center">
              <Bell className="size-5 text-muted-foreground" aria-hidden />
              <p className="text-sm text-muted-foreground">No notifications yet.</p>
            </div>
          ) : (
            <ul className="divide-y" aria-label="Notification list">
              {list.data.map((item) => {
                const Icon = icons[item.kind] ?? Info;
                return (
                  <li key={item.id} className={cn("flex gap-3 px-4 py-3", !item.readAt && "bg-primary/[0.04]")}>
                    <span
                      className={cn(
                        "mt-0.5 flex size-7 shrink-0 items-center justify-center rounded-full",
                        urgent.has(item.kind) ? "bg-destructive/10 text-destructive" : "bg-muted text-muted-foreground",
                      )}
                    >
                      <Icon className="size-3.5" aria-hidden />
                    </span>
                    <div className="min-w-0 flex-1">
                      <p className="flex items-start justify-between gap-2 text-sm font-medium">
                        <span>{item.title}</span>
                        {!item.readAt ? (
                          <>
                            <span className="mt-1.5 size-2 shrink-0 rounded-full bg-primary" aria-hidden />
                            <span className="sr-only">Unread</span>
                          </>
                        ) : null}
                      </p>
                      <p className="mt-0.5 text-[13px] leading-snug text-muted-foreground">{item.body}</p>
                      {links[item.kind] ? (
                        <Link href={links[item.kind]!.href} className="mt-1 inline-block text-xs font-medium text-primary underline-offset-4 hover:underline">
                          {links[item.kind]!.label}
                        </Link>
                      ) : null}
                      <p className="mt-1 text-xs text-muted-foreground">{formatRelative(item.createdAt)}</p>
                    </div>
                  </li>
                );
              })}
            </ul>
          )}
        </div>
      </PopoverContent>
    </Popover>
  );
}
