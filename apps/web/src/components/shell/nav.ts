import { Cloud, History, LifeBuoy, Rows3, Settings, TriangleAlert, type LucideIcon } from "lucide-react";

export interface NavItem {
  href: string;
  label: string;
  icon: LucideIcon;
}

export const tenantNav: NavItem[] = [
  { href: "/salesforce", label: "Salesforce", icon: Cloud },
  { href: "/records", label: "Records", icon: Rows3 },
  { href: "/sync-history", label: "Sync history", icon: History },
  { href: "/errors", label: "Errors", icon: TriangleAlert },
  { href: "/settings", label: "Settings", icon: Settings },
];

export const staffNav: NavItem[] = [{ href: "/support", label: "Support console", icon: LifeBuoy }];
