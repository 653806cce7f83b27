import type { Metadata } from "next";
import { PageHeader } from "@/components/page-header";
import { ErrorGroups } from "@/components/errors/error-groups";

export const metadata: Metadata = { title: "Errors" };

export default function ErrorsPage() {
  return (
    <>
      <PageHeader
        title="Errors"
        description="Record-level and job-level sync errors, grouped by Salesforce's error code, explained, with a way to retry or ignore them. Kept for 30 days."
      />
      <ErrorGroups />
    </>
  );
}
