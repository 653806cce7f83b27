"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { ChevronsUpDown, LoaderCircle } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import type { Me } from "@/lib/session";
import { cn } from "@/lib/utils";
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuLabel,
  DropdownMenuRadioGroup,
  DropdownMenuRadioItem,
  DropdownMenuTrigger,
} from "@/components/ui/dropdown-menu";
import { toast } from "@/components/ui/toast";

const roleLabel = { owner: "Owner", admin: "Admin", viewer: "Viewer" } as const;

/** Support staff are not members: a tenant entered through a grant is labelled with the grant's mode. */
function accessLabel(me: Me, tenant: Me["tenants"][number]): string {
  if (me.support?.tenantId === tenant.id) return me.support.mode === "write" ? "Support (write)" : "Support (read-only)";
  return roleLabel[tenant.role];
}

export function TenantAvatar({ name, className }: { name: string; className?: string }) {
  return (
    <span
      aria-hidden
      className={cn(
        "flex size-6 shrink-0 items-center justify-center rounded-md bg-gradient-to-br from-[oklch(0.7_0.12_220)] to-[oklch(0.55_0.16_262)] text-[11px] font-semibold text-white",
        className,
      )}
    >
      {name.trim()[0]?.toUpperCase() ?? "?"}
    </span>
  );
}

/** Lists the user's tenants; switching points the session at another tenant and re-reads everything. */
export function TenantSwitcher({ me }: { me: Me }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const active = me.tenants.find((tenant) => tenant.id === me.activeTenantId);
  const switchTenant = useMutation(
    trpc.account.switchTenant.mutationOptions({
      async onSuccess(result) {
        const meKey = trpc.account.me.queryKey();
        await queryClient.invalidateQueries({ queryKey: meKey });
        // Everything else belonged to the previous tenant: drop it back to loading, then refetch.
        await queryClient.resetQueries({ predicate: (query) => JSON.stringify(query.queryKey) !== JSON.stringify(meKey) });
        toast.success(`Switched to ${result.tenantName}`);
      },
      onError(error) {
        toast.error("Could not switch tenant", errorInfo(error).message);
      },
    }),
  );

  if (!active) return null;

  return (
    <DropdownMenu>
      <DropdownMenuTrigger
        data-testid="tenant-switcher"
        className="flex h-9 max-w-[16rem] min-w-0 items-center gap-2.5 rounded-md px-2 text-sm font-medium outline-none hover:bg-accent focus-visible:ring-[3px] focus-visible:ring-ring/40 data-[state=open]:bg-accent"
      >
        <span className="sr-only">Switch tenant. Current tenant:</span>
        <TenantAvatar name={active.name} />
        <span className="truncate">{active.name}</span>
        <span className="hidden rounded-full bg-muted px-1.5 py-px text-[11px] font-medium text-muted-foreground lg:inline">{accessLabel(me, active)}</span>
        {switchTenant.isPending ? (
          <LoaderCircle className="size-4 shrink-0 animate-spin text-muted-foreground" aria-hidden />
        ) : (
          <ChevronsUpDown className="size-4 shrink-0 text-muted-foreground" aria-hidden />
        )}
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="w-72">
        <DropdownMenuLabel>Your tenants</DropdownMenuLabel>
        <DropdownMenuRadioGroup
          value={active.id}
          onValueChange={(tenantId) => {
            if (tenantId !== active.id) switchTenant.mutate({ tenantId });
          }}
        >
          {me.tenants.map((tenant) => (
            <DropdownMenuRadioItem key={tenant.id} value={tenant.id} disabled={switchTenant.isPending}>
              <TenantAvatar name={tenant.name} />
              <span className="min-w-0 flex-1 truncate">{tenant.name}</span>
              <span className="text-xs text-muted-foreground">{accessLabel(me, tenant)}</span>
            </DropdownMenuRadioItem>
          ))}
        </DropdownMenuRadioGroup>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
