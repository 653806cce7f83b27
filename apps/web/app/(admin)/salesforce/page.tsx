import type { Metadata } from "next";
import { Suspense } from "react";
import { PageHeader } from "@/components/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { SalesforceSetup } from "@/components/salesforce/salesforce-setup";
import { SyncProgressLink } from "@/components/sync/progress-link";

export const metadata: Metadata = { title: "Salesforce" };

export default function SalesforcePage() {
  return (
    <>
      <PageHeader
        title="Salesforce"
        description="Connect your Salesforce org step by step; every permanent step is previewed and confirmed first."
        actions={<SyncProgressLink />}
      />
      <Suspense fallback={<Skeleton className="h-96" />}>
        <SalesforceSetup />
      </Suspense>
    </>
  );
}
