import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { SyncCharts } from "@/components/charts/sync-charts";
import { LiveProgress } from "@/components/sync/live-progress";

export const metadata: Metadata = { title: "Sync progress" };

export default function SyncProgressPage() {
  return (
    <>
      <PageHeader title="Sync progress" description="The current run live, per object, with its rate and time left; below, the sync's activity over the last days." />
      <div className="grid gap-8">
        <LiveProgress />
        <SyncCharts />
      </div>
    </>
  );
}
