"use client";

import { ShieldAlert } from "lucide-react";
import { useMe } from "@/lib/session";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { TenantList } from "@/components/support/tenant-list";
import { SupportTenantDetail } from "@/components/support/tenant-detail";

function StaffOnly({ children }: { children: React.ReactNode }) {
  const me = useMe();
  if (!me.data?.user.isStaff) {
    return (
      <EmptyState
        icon={ShieldAlert}
        title="Only Ferry support staff can open the support console"
        description="If you need help with your tenant, contact Ferry support."
      />
    );
  }
  return children;
}

export function SupportConsole() {
  return (
    <StaffOnly>
      <PageHeader
        title="Support console"
        description="All tenants with their sync state, last error and API usage. Enter a tenant to see what its admins see."
      />
      <TenantList />
    </StaffOnly>
  );
}

export function SupportTenantPage({ tenantId }: { tenantId: string }) {
  return (
    <StaffOnly>
      <SupportTenantDetail tenantId={tenantId} />
    </StaffOnly>
  );
}
