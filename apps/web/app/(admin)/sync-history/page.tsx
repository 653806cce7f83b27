import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { HistoryTable } from "@/components/history/history-table";

export const metadata: Metadata = { title: "Sync history" };

export default async function SyncHistoryPage({ searchParams }: { searchParams: Promise<{ status?: string }> }) {
  const { status } = await searchParams;
  const initial =
    status === "failed" || status === "incomplete" || status === "succeeded" || status === "in_progress" || status === "paused" ? status : undefined;
  return (
    <>
      <PageHeader
        title="Sync history"
        description="Every sync run per object and operation with its counts: new, updated, deleted, failed and skipped. Kept for 30 days."
      />
      <HistoryTable initialStatus={initial} />
    </>
  );
}
