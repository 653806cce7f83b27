"use client";

import { LifeBuoy, ShieldAlert } from "lucide-react";
import { useMe } from "@/lib/session";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";

export function SupportConsole() {
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
  return (
    <>
      <PageHeader title="Support console" description="All tenants with their sync state, last error and API usage." />
      <EmptyState
        icon={LifeBuoy}
        title="Nothing to show yet"
        description="The tenant overview and time-limited, audited support access arrive with the support feature."
      />
    </>
  );
}
