import type { Metadata } from "next";
import { Rows3 } from "lucide-react";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";

export const metadata: Metadata = { title: "Records" };

export default function RecordsPage() {
  return (
    <>
      <PageHeader title="Records" description="People, companies and opportunities synced from Salesforce." />
      <EmptyState
        icon={Rows3}
        title="No records yet"
        description="Records appear here once Salesforce is connected and the first sync has run. You will be able to search, filter and open each one."
      />
    </>
  );
}
