import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { SyncCharts } from "@/components/charts/sync-charts";
import { LiveProgress } from "@/components/sync/live-progress";
import { StreamActivity } from "@/components/sync/stream-activity";

export const metadata: Metadata = { title: "Sync activity" };

export default function SyncProgressPage() {
  return (
    <>
      <PageHeader
        title="Sync activity"
        description="The current run live, per object, with its rate and time left; below, the sync's throughput and Salesforce API usage."
      />
      <div className="grid gap-8">
        <LiveProgress />
        <StreamActivity />
        <SyncCharts />
      </div>
    </>
  );
}
