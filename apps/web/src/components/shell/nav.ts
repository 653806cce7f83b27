import { Activity, Cloud, History, LifeBuoy, Rows3, Settings, TriangleAlert, type LucideIcon } from "lucide-react";

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
}

export const tenantNav: NavItem[] = [
  { href: "/salesforce", label: "Salesforce", icon: Cloud },
  // The run live, the charts and the API usage (the page sits under /salesforce, where the sync starts).
  { href: "/salesforce/progress", label: "Activity", icon: Activity },
  { href: "/records", label: "Records", icon: Rows3 },
  { href: "/sync-history", label: "Sync history", icon: History },
  { href: "/errors", label: "Errors", icon: TriangleAlert },
  { href: "/settings", label: "Settings", icon: Settings },
];

export const staffNav: NavItem[] = [{ href: "/support", label: "Support console", icon: LifeBuoy }];

/** The item a path belongs to: the longest href that is the path or a parent of it. */
export function activeHref(pathname: string, items: NavItem[]): string | undefined {
  return items.filter((item) => pathname === item.href || pathname.startsWith(`${item.href}/`)).sort((a, b) => b.href.length - a.href.length)[0]?.href;
}
