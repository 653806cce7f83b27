"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { LogOut, MonitorX } from "lucide-react";
import { authClient } from "@/lib/auth-client";
import { markSigningOut, type Me } from "@/lib/session";
import { initials } from "@/lib/utils";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { toast } from "@/components/ui/toast";

export function UserMenu({ me }: { me: Me }) {
  const router = useRouter();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);

  async function signOut(everywhere: boolean) {
    setPending(true);
    markSigningOut();
    try {
      if (everywhere) {
        const revoked = await authClient.revokeSessions();
        if (revoked.error) throw new Error(revoked.error.message || "Could not end your other sessions.");
      }
      const { error } = await authClient.signOut();
      // After revoking every session there is nothing left to sign out of.
      if (error && !everywhere) throw new Error(error.message || "Sign-out failed.");
      queryClient.clear();
      router.replace("/sign-in");
    } catch (error) {
      markSigningOut(false);
      toast.error("Sign-out failed", error instanceof Error ? error.message : undefined);
      setPending(false);
    }
  }

  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        data-testid="user-menu"
        className="flex size-9 items-center justify-center rounded-full outline-none focus-visible:ring-[3px] focus-visible:ring-ring/40"
      >
        {/* Named by text, not aria-label: the initials alone are not a name, and a label that leaves them out fails label-in-name. */}
        <span className="sr-only">Account menu</span>
        <span
          aria-hidden
          className="flex size-8 items-center justify-center rounded-full bg-gradient-to-br from-[oklch(0.35_0.04_265)] to-[oklch(0.25_0.03_265)] text-xs font-semibold text-white ring-2 ring-card"
        >
          {initials(me.user.name)}
        </span>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel className="py-2 font-normal">
          <span className="block truncate text-sm font-medium text-foreground">{me.user.name}</span>
          <span className="block truncate text-xs text-muted-foreground">{me.user.email}</span>
          {me.user.isStaff ? (
            <span className="mt-1.5 inline-flex rounded-full bg-primary/10 px-1.5 py-px text-[11px] font-medium text-primary">Ferry staff</span>
          ) : null}
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <DropdownMenuItem disabled={pending} onSelect={() => void signOut(false)}>
          <LogOut aria-hidden />
          Sign out
        </DropdownMenuItem>
        <DropdownMenuItem disabled={pending} onSelect={() => void signOut(true)}>
          <MonitorX aria-hidden />
          End all sessions
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
