"use client";

import { useEffect, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { ShieldAlert } from "lucide-react";
import { useRealtimeEvent } from "@/lib/realtime";
import type { Me } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { ElevateDialog } from "./elevate-dialog";
import { useEndSupportAccess } from "./use-support-actions";

function timeLeft(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes} min ${String(seconds).padStart(2, "0")} s` : `${seconds} s`;
}

/** On every admin page while a staff member is inside a tenant through support access. */
export function SupportBanner({ me }: { me: Me }) {
  const support = me.support;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const end = useEndSupportAccess();
  const [now, setNow] = useState(() => Date.now());
  const expiresAt = support ? new Date(support.expiresAt).getTime() : undefined;

  useEffect(() => {
    if (expiresAt === undefined) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      // At expiry the server refuses the tenant; re-reading "me" drops the banner and the tenant together.
      if (Date.now() >= expiresAt) void queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() });
    }, 1000);
    return () => clearInterval(timer);
  }, [expiresAt, queryClient, trpc]);

  useRealtimeEvent("support.access", (event) => {
    if (support && event.grantId === support.grantId && event.state === "ended") void queryClient.resetQueries();
  });

  if (!support || expiresAt === undefined) return null;
  const writable = support.mode === "write";
  return (
    <div
      role="region"
      aria-label="Support access"
      data-testid="support-banner"
      data-mode={support.mode}
      className="flex flex-wrap items-center gap-x-4 gap-y-2 border-b border-amber-300 bg-amber-100 px-3 py-2 text-sm text-amber-950 sm:px-6"
    >
      <ShieldAlert className="size-4 shrink-0" aria-hidden />
      <p className="min-w-0 flex-1 basis-[18rem]">
        <span className="font-semibold">Support access to {support.tenantName}</span> as {me.user.name} ({me.user.email}),{" "}
        {writable ? "with write access" : "read-only"}. <span data-testid="support-time-left">{timeLeft(expiresAt - now)}</span> left.
      </p>
      {writable ? null : <ElevateDialog tenantName={support.tenantName} />}
      <Button size="sm" className="h-7" pending={end.isPending} onClick={() => end.mutate()}>
        End
      </Button>
    </div>
  );
}
