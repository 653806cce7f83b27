"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { cn } from "@/lib/utils";
import { BrandMark, BrandName } from "@/components/brand";
import { activeHref, staffNav, tenantNav, type NavItem } from "./nav";

function NavLink({ item, active, onNavigate }: { item: NavItem; active: boolean; onNavigate?: (() => void) | undefined }) {
  const Icon = item.icon;
  return (
    <Link
      href={item.href}
      onClick={onNavigate}
      aria-current={active ? "page" : undefined}
      className={cn(
        "group flex h-9 items-center gap-3 rounded-md px-3 text-sm font-medium transition-colors outline-none focus-visible:ring-2 focus-visible:ring-[oklch(0.7_0.14_262)]",
        active ? "bg-sidebar-accent text-white" : "text-sidebar-foreground/80 hover:bg-sidebar-accent/60 hover:text-white",
      )}
    >
      <Icon className={cn("size-4 shrink-0", active ? "text-[oklch(0.78_0.12_255)]" : "text-sidebar-muted group-hover:text-sidebar-foreground")} aria-hidden />
      {item.label}
    </Link>
  );
}

/** The left navigation: tenant pages for everyone, the support console for Ferry staff only. */
export function SidebarNav({ isStaff, hasTenant, onNavigate }: { isStaff: boolean; hasTenant: boolean; onNavigate?: () => void }) {
  const pathname = usePathname();
  const current = activeHref(pathname, [...tenantNav, ...staffNav]);
  const isActive = (href: string) => href === current;
  return (
    <div className="flex h-full flex-col">
      <Link
        href="/salesforce"
        onClick={onNavigate}
        className="flex h-14 shrink-0 items-center gap-2.5 px-5 text-white outline-none focus-visible:ring-2 focus-visible:ring-[oklch(0.7_0.14_262)]"
      >
        <BrandMark className="size-7" />
        <BrandName />
      </Link>
      <nav aria-label="Main" className="flex-1 overflow-y-auto px-3 py-4">
        {hasTenant ? (
          <ul className="grid gap-0.5">
            {tenantNav.map((item) => (
              <li key={item.href}>
                <NavLink item={item} active={isActive(item.href)} onNavigate={onNavigate} />
              </li>
            ))}
          </ul>
        ) : null}
        {isStaff ? (
          <div className={cn(hasTenant && "mt-8")}>
            <p className="px-3 pb-2 text-[11px] font-semibold tracking-wider text-sidebar-muted uppercase">Ferry staff</p>
            <ul className="grid gap-0.5">
              {staffNav.map((item) => (
                <li key={item.href}>
                  <NavLink item={item} active={isActive(item.href)} onNavigate={onNavigate} />
                </li>
              ))}
            </ul>
          </div>
        ) : null}
      </nav>
    </div>
  );
}
