"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";

/** After any step: re-read the connection (page, and the run store the status badge reads), the catalog, the mappings and the audit log. */
export function useRefreshSalesforce() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.salesforce.connection.pathFilter()),
      queryClient.invalidateQueries(trpc.syncStatus.pathFilter()),
      queryClient.invalidateQueries(trpc.salesforce.catalog.pathFilter()),
      queryClient.invalidateQueries(trpc.salesforce.mappings.pathFilter()),
      queryClient.invalidateQueries(trpc.audit.list.pathFilter()),
    ]);
}
