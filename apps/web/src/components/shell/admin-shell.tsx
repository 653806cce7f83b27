"use client";

import { useEffect, useRef, useState, type ReactNode } from "react";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Dialog as DialogPrimitive } from "radix-ui";
import { Building, CircleAlert, LifeBuoy, Menu, RefreshCw, X } from "lucide-react";
import { authClient } from "@/lib/auth-client";
import { errorInfo } from "@/lib/errors";
import { RealtimeProvider } from "@/lib/realtime";
import { activeTenantOf, isSigningOut, markSigningOut, useMe, type Me } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";
import { StatusBadge } from "@/components/status-badge";
import { RunStoreSync } from "@/components/sync/run-store";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { EmptyState } from "@/components/empty-state";
import { SupportBanner } from "@/components/support/support-banner";
import { ConnectionIndicator } from "./connection-indicator";
import { NotificationBell } from "./notification-bell";
import { SidebarNav } from "./sidebar-nav";
import { TenantContext } from "./tenant-context";
import { TenantSwitcher } from "./tenant-switcher";
import { UserMenu } from "./user-menu";
import { VerifyEmailNotice } from "./verify-email-notice";

/**
 * The signed-in frame of every admin page: it sends signed-out visitors to sign-in, makes sure the
 * session points at a tenant, opens the live channel, and lays out sidebar, top bar and content.
 */
export function AdminShell({ children }: { children: ReactNode }) {
  const me = useMe();
  const router = useRouter();
  const pathname = usePathname();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const wasSignedIn = useRef(false);
  const autoSelected = useRef(false);

  const selectTenant = useMutation(
    trpc.account.switchTenant.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() }),
    }),
  );

  const data = me.data;
  const active = activeTenantOf(data);

  useEffect(() => {
    if (data) {
      wasSignedIn.current = true;
      markSigningOut(false);
      return;
    }
    if (data === null && !isSigningOut()) {
      const params = new URLSearchParams({ next: pathname });
      if (wasSignedIn.current) params.set("reason", "expired");
      router.replace(`/sign-in?${params.toString()}`);
    }
  }, [data, pathname, router]);

  // An idle session ends on the server without telling the tab, so look again right after it should
  // have. The look must not count as activity (that would keep the session alive forever), hence
  // better-auth's disableRefresh rather than re-reading "me".
  const expiresAt = data?.sessionExpiresAt ? new Date(data.sessionExpiresAt).getTime() : undefined;
  useEffect(() => {
    if (expiresAt === undefined) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = (at: number) => {
      timer = setTimeout(() => void check(), Math.min(Math.max(at - Date.now() + 1000, 1000), 2_147_000_000));
    };
    const check = async () => {
      const result = await authClient.getSession({ query: { disableRefresh: true } }).catch(() => undefined);
      if (cancelled) return;
      if (!result || result.error) return schedule(Date.now() + 30_000);
      if (!result.data) return void queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() });
      schedule(new Date(result.data.session.expiresAt).getTime());
    };
    schedule(expiresAt);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [expiresAt, queryClient, trpc]);

  // A fresh session has no tenant chosen yet: open the first one the person belongs to.
  const firstTenantId = data?.tenants[0]?.id;
  useEffect(() => {
    if (data && !active && firstTenantId && !autoSelected.current) {
      autoSelected.current = true;
      selectTenant.mutate({ tenantId: firstTenantId });
    }
  }, [data, active, firstTenantId, selectTenant]);

  if (me.isError && data === undefined) {
    return <ShellError message={errorInfo(me.error).message} onRetry={() => void me.refetch()} />;
  }
  if (!data || (!active && firstTenantId && !selectTenant.isError)) return <ShellSkeleton />;

  return (
    <RealtimeProvider
      userId={data.user.id}
      tenantIds={data.tenants.map((tenant) => tenant.id)}
      activeTenantId={active?.id ?? null}
      onUnauthorized={() => void queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() })}
    >
      <ShellFrame me={data} hasTenant={Boolean(active)}>
        {active ? (
          <TenantContext.Provider value={{ me: data, tenant: active }}>{children}</TenantContext.Provider>
        ) : data.user.isStaff && pathname.startsWith("/support") ? (
          children
        ) : (
          <NoTenant me={data} />
        )}
      </ShellFrame>
    </RealtimeProvider>
  );
}

function ShellFrame({ me, hasTenant, children }: { me: Me; hasTenant: boolean; children: ReactNode }) {
  const [mobileOpen, setMobileOpen] = useState(false);
  return (
    <div className="min-h-dvh bg-background">
      <a href="#main" className="sr-only z-50 rounded-md bg-card px-3 py-2 text-sm font-medium shadow focus:not-sr-only focus:fixed focus:top-3 focus:left-3">
        Skip to content
      </a>
      <aside className="fixed inset-y-0 left-0 z-30 hidden w-60 border-r border-sidebar-border bg-sidebar md:block">
        <SidebarNav isStaff={me.user.isStaff} hasTenant={hasTenant} />
      </aside>

      <DialogPrimitive.Root open={mobileOpen} onOpenChange={setMobileOpen}>
        <DialogPrimitive.Portal>
          <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-black/40 md:hidden" />
          <DialogPrimitive.Content className="fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] bg-sidebar shadow-xl outline-none md:hidden">
            <DialogPrimitive.Title className="sr-only">Navigation</DialogPrimitive.Title>
            <DialogPrimitive.Description className="sr-only">Pages of the Ferry portal</DialogPrimitive.Description>
            <SidebarNav isStaff={me.user.isStaff} hasTenant={hasTenant} onNavigate={() => setMobileOpen(false)} />
            <DialogPrimitive.Close
              aria-label="Close navigation"
              className="absolute top-3.5 right-3 rounded-md p-1.5 text-sidebar-foreground hover:bg-sidebar-accent focus-visible:ring-2 focus-visible:ring-[oklch(0.7_0.14_262)] focus-visible:outline-none"
            >
              <X className="size-4" aria-hidden />
            </DialogPrimitive.Close>
          </DialogPrimitive.Content>
        </DialogPrimitive.Portal>
      </DialogPrimitive.Root>

      <div className="md:pl-60">
        <SupportBanner me={me} />
        <header className="sticky top-0 z-20 flex h-14 items-center gap-2 border-b bg-card/85 px-3 backdrop-blur supports-[backdrop-filter]:bg-card/70 sm:px-6">
          <Button variant="ghost" size="icon-sm" className="md:hidden" aria-label="Open navigation" onClick={() => setMobileOpen(true)}>
            <Menu aria-hidden />
          </Button>
          <TenantSwitcher me={me} />
          <div className="ml-auto flex items-center gap-1.5 sm:gap-3">
            <ConnectionIndicator />
            {hasTenant ? <RunStoreSync key={`run-${me.activeTenantId}`} /> : null}
            {hasTenant ? <StatusBadge key={me.activeTenantId} /> : null}
            {hasTenant ? (
              <NotificationBell key={`bell-${me.activeTenantId}`} canMarkRead={!(me.support?.tenantId === me.activeTenantId && me.support.mode === "read")} />
            ) : null}
            <span className="mx-1 hidden h-6 w-px bg-border sm:block" aria-hidden />
            <UserMenu me={me} />
          </div>
        </header>
        {hasTenant && !me.support && !me.user.emailVerified ? <VerifyEmailNotice email={me.user.email} /> : null}
        <main id="main" className="mx-auto w-full max-w-6xl px-4 py-8 sm:px-6 lg:px-10">
          {children}
        </main>
      </div>
    </div>
  );
}

function NoTenant({ me }: { me: Me }) {
  return (
    <EmptyState
      icon={Building}
      title="You are not in any tenant yet"
      description={
        me.user.isStaff
          ? "Staff accounts see tenants through the support console."
          : "Ask an admin of your company to invite you, then open the link from the invitation."
      }
    >
      {me.user.isStaff ? (
        <Button asChild variant="outline">
          <Link href="/support">
            <LifeBuoy aria-hidden />
            See all tenants
          </Link>
        </Button>
      ) : null}
    </EmptyState>
  );
}

function ShellSkeleton() {
  return (
    <div className="min-h-dvh" aria-busy="true" aria-label="Loading Ferry">
      <div className="fixed inset-y-0 left-0 hidden w-60 bg-sidebar md:block">
        <div className="flex h-14 items-center gap-2.5 px-5">
          <Skeleton className="size-7 rounded-lg bg-sidebar-accent" />
          <Skeleton className="h-4 w-14 bg-sidebar-accent" />
        </div>
        <div className="grid gap-2 px-3 py-4">
          {Array.from({ length: 5 }, (_, i) => (
            <Skeleton key={i} className="h-9 bg-sidebar-accent/70" />
          ))}
        </div>
      </div>
      <div className="md:pl-60">
        <div className="flex h-14 items-center gap-3 border-b bg-card px-6">
          <Skeleton className="h-6 w-40" />
          <Skeleton className="ml-auto h-8 w-32 rounded-full" />
          <Skeleton className="size-8 rounded-full" />
        </div>
        <div className="mx-auto max-w-6xl px-4 py-8 sm:px-6 lg:px-10">
          <Skeleton className="h-7 w-48" />
          <Skeleton className="mt-3 h-4 w-80 max-w-full" />
          <Skeleton className="mt-8 h-64 w-full rounded-xl" />
        </div>
      </div>
    </div>
  );
}

function ShellError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <div className="flex min-h-dvh items-center justify-center p-6">
      <Alert variant="destructive" className="max-w-md">
        <CircleAlert aria-hidden />
        <AlertTitle>Ferry could not load your account</AlertTitle>
        <AlertDescription>
          <p>{message}</p>
          <Button variant="outline" size="sm" className="mt-3" onClick={onRetry}>
            <RefreshCw aria-hidden />
            Try again
          </Button>
        </AlertDescription>
      </Alert>
    </div>
  );
}
