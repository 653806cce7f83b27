"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import { useActiveTenant } from "@/components/shell/tenant-context";
import { hasRole } from "@/lib/session";
import { NearRealTimeCard } from "./near-real-time-card";

/** On the activity page: the streamed changes per minute and their lag, once near-real-time is on. */
export function StreamActivity() {
  const trpc = useTRPC();
  const { me, tenant } = useActiveTenant();
  const view = useQuery(trpc.salesforce.nearRealTime.queryOptions());
  if (!view.data?.enabled) return null;
  const support = me.support?.tenantId === tenant.id ? me.support : null;
  return <NearRealTimeCard canEdit={hasRole(tenant.role, "admin") && (!support || support.mode === "write")} />;
}
