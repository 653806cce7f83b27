import type { Metadata } from "next";
import { History } from "lucide-react";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";

export const metadata: Metadata = { title: "Sync history" };

export default function SyncHistoryPage() {
  return (
    <>
      <PageHeader title="Sync history" description="Every sync run with per-object counts: new, updated, deleted, failed and skipped." />
      <EmptyState
        icon={History}
        title="No sync runs yet"
        description="The initial sync and every incremental cycle will be listed here once Salesforce is connected."
      />
    </>
  );
}
