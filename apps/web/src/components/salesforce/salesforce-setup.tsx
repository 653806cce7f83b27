"use client";

import { useEffect, useState, type ReactNode } from "react";
import { useQuery } from "@tanstack/react-query";
import { useRouter, useSearchParams } from "next/navigation";
import { Check, CircleAlert, CircleCheck } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { cn } from "@/lib/utils";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { ConfirmStep } from "./confirm-step";
import { CredentialsStep } from "./credentials-step";
import { FieldsStep } from "./fields-step";
import { MappingsStep } from "./mappings-step";
import { NearRealTimeCard } from "@/components/sync/near-real-time-card";
import { StartStep } from "./start-step";
import type { ConnectionView } from "./types";

/** Which step is the current one: steps before it are done, steps after it wait. */
function currentStep(state: ConnectionView["state"]): number {
  switch (state) {
    case "not_connected":
      return 0;
    case "validated":
      return 1;
    case "fields_synced":
      return 2;
    case "confirmed":
      return 3;
    case "ready":
      return 4;
    default:
      return 5;
  }
}

const steps = [
  { title: "Credentials", description: "The sync user's login (or OAuth); Validate logs in for real." },
  { title: "Sync Fields", description: "Preview what the sync user can see, exclude what Ferry should not hold, then create the fields." },
  { title: "Confirm Credentials", description: "Locks this tenant to the org." },
  { title: "Initial field mappings", description: "Your only chance to change them." },
  { title: "Start Salesforce Sync", description: "The initial sync runs; watch it live." },
];

export function SalesforceSetup() {
  const trpc = useTRPC();
  // The initial run's status comes from the run store (the Start step), not from this read.
  const connection = useQuery(trpc.salesforce.connection.queryOptions());
  if (connection.isPending) return <Skeleton className="h-96" />;
  if (connection.error) {
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden />
        <AlertTitle>The Salesforce connection could not be loaded</AlertTitle>
        <AlertDescription>{errorInfo(connection.error).message}</AlertDescription>
      </Alert>
    );
  }
  const view = connection.data;
  const current = currentStep(view.state);
  const body: ReactNode[] = [
    <CredentialsStep key="credentials" connection={view} />,
    <FieldsStep key="fields" connection={view} />,
    <ConfirmStep key="confirm" connection={view} />,
    <MappingsStep key="mappings" connection={view} />,
    <StartStep key="start" connection={view} />,
  ];
  return (
    <div className="grid grid-cols-1 gap-6">
      <OAuthOutcome />
      {!view.canEdit ? (
        <Alert>
          <CircleAlert aria-hidden />
          <AlertDescription>You can see this tenant's Salesforce setup; only admins can change it.</AlertDescription>
        </Alert>
      ) : null}
      <ol className="grid grid-cols-1 gap-4" aria-label="Salesforce setup steps">
        {steps.map((step, index) => {
          const done = index < current;
          const visible = index <= current;
          return (
            <li key={step.title} data-testid={`step-${index + 1}`} data-state={done ? "done" : index === current ? "current" : "waiting"}>
              <Card className={cn(!visible && "opacity-60")}>
                <CardHeader className={cn(visible && "pb-3")}>
                  <div className="flex items-start gap-3">
                    <span
                      className={cn(
                        "flex size-7 shrink-0 items-center justify-center rounded-full text-xs font-semibold",
                        done
                          ? "bg-success/15 text-[oklch(0.45_0.12_155)]"
                          : index === current
                            ? "bg-primary text-primary-foreground"
                            : "bg-muted text-muted-foreground",
                      )}
                      aria-hidden
                    >
                      {done ? <Check className="size-3.5" /> : index + 1}
                    </span>
                    <div>
                      <CardTitle>
                        {step.title}
                        <span className="sr-only">{done ? " (done)" : index === current ? " (current step)" : " (not yet)"}</span>
                      </CardTitle>
                      <CardDescription className="mt-0.5">{step.description}</CardDescription>
                    </div>
                  </div>
                </CardHeader>
                {visible ? <CardContent>{body[index]}</CardContent> : null}
              </Card>
            </li>
          );
        })}
      </ol>
      {view.syncStarted ? <NearRealTimeCard canEdit={view.canEdit} /> : null}
    </div>
  );
}

const oauthFailures: Record<string, string> = {
  denied: 'You chose Deny in Salesforce, so Ferry is not connected. Click "Log in to Salesforce" again and choose Allow.',
  expired: 'The Salesforce authorization expired or was already used. Click "Log in to Salesforce" again.',
  mismatch:
    'This Salesforce authorization does not match the one started here (it was already used, or started in another tab or tenant). Click "Log in to Salesforce" again.',
  other_org: "You logged in as a user of a different Salesforce org than the one this tenant is locked to. Log in as a user of the connected org.",
  unreachable: "Ferry could not reach the Salesforce login host to finish the authorization. Check the login domain and try again.",
  forbidden: "Only admins of this tenant can connect Salesforce.",
  failed: 'Salesforce did not authorize Ferry. Click "Log in to Salesforce" to try again.',
};

/** The OAuth callback sends the browser back here with a reason code; show it once, then tidy the URL. */
function OAuthOutcome() {
  const params = useSearchParams();
  const router = useRouter();
  const [outcome] = useState(() => params.get("oauth"));
  useEffect(() => {
    if (params.get("oauth")) router.replace("/salesforce");
  }, [params, router]);
  if (!outcome) return null;
  if (outcome === "connected") {
    return (
      <Alert variant="info" data-testid="oauth-outcome">
        <CircleCheck aria-hidden />
        <AlertTitle>Connected through OAuth</AlertTitle>
        <AlertDescription>Salesforce authorized Ferry; the refresh token is stored encrypted.</AlertDescription>
      </Alert>
    );
  }
  return (
    <Alert variant="destructive" data-testid="oauth-outcome">
      <CircleAlert aria-hidden />
      <AlertTitle>Salesforce did not connect</AlertTitle>
      <AlertDescription>{oauthFailures[outcome] ?? oauthFailures.failed}</AlertDescription>
    </Alert>
  );
}
