import type { Metadata } from "next";
import { Suspense } from "react";
import { PageHeader } from "@/components/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { RecordsTabs } from "@/components/records/records-tabs";

export const metadata: Metadata = { title: "Records" };

export default function RecordsPage() {
  return (
    <>
      <PageHeader
        title="Records"
        description="People (Leads and Contacts together), companies and opportunities synced from Salesforce, and the people who share an email address."
      />
      <Suspense fallback={<Skeleton className="h-96" />}>
        <RecordsTabs />
      </Suspense>
    </>
  );
}
