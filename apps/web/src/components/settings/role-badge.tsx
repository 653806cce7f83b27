import { Badge } from "@/components/ui/badge";
import type { TenantRole } from "@/lib/session";

const looks = {
  owner: { label: "Owner", variant: "default" },
  admin: { label: "Admin", variant: "secondary" },
  viewer: { label: "Viewer", variant: "outline" },
} as const;

export function RoleBadge({ role }: { role: TenantRole }) {
  const look = looks[role];
  return <Badge variant={look.variant}>{look.label}</Badge>;
}
