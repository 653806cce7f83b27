import type { Metadata } from "next";
import { Unplug } from "lucide-react";
import { EmptyState } from "@/components/empty-state";
import { PageHeader } from "@/components/page-header";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";

export const metadata: Metadata = { title: "Salesforce" };

const steps = [
  { title: "Enter the sync user's credentials", text: "Username, password and security token (or log in with OAuth), then validate." },
  { title: "Sync Fields", text: "Preview every field the sync user can see, exclude what you don't want, then create them." },
  { title: "Confirm Credentials", text: "Locks this tenant to that Salesforce org for good." },
  { title: "Edit the initial field mappings", text: "Defaults for standard fields; your only chance to change them." },
  { title: "Start Salesforce Sync", text: "The initial sync runs, and you can watch it live, object by object." },
];

export default function SalesforcePage() {
  return (
    <>
      <PageHeader title="Salesforce" description="Connect your Salesforce org and run the sync." />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_20rem]">
        <EmptyState
          icon={Unplug}
          title="Not connected"
          description="Connecting Salesforce arrives with the connection flow. Until then this tenant has no Salesforce org and nothing is synced."
          className="lg:min-h-[22rem]"
        />
        <Card>
          <CardHeader className="pb-2">
            <div>
              <CardTitle>How setup works</CardTitle>
              <CardDescription className="mt-1">Five steps, in this order.</CardDescription>
            </div>
          </CardHeader>
          <CardContent>
            <ol className="grid gap-4">
              {steps.map((step, index) => (
                <li key={step.title} className="flex gap-3">
                  <span className="flex size-6 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold text-muted-foreground">
                    {index + 1}
                  </span>
                  <div>
                    <p className="text-sm font-medium">{step.title}</p>
                    <p className="mt-0.5 text-[13px] leading-relaxed text-muted-foreground">{step.text}</p>
                  </div>
                </li>
              ))}
            </ol>
          </CardContent>
        </Card>
      </div>
    </>
  );
}
