import type { Metadata } from "next";
import { TriangleAlert } from "lucide-react";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";

export const metadata: Metadata = { title: "Errors" };

export default function ErrorsPage() {
  return (
    <>
      <PageHeader title="Errors" description="Record-level sync errors, grouped and explained, with Salesforce's own code and message." />
      <EmptyState
        icon={TriangleAlert}
        title="No sync errors"
        description="Nothing has been synced yet, so nothing has failed. Errors will appear here with a way to retry or ignore them."
      />
    </>
  );
}
