"use client";

import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { CircleAlert, KeyRound, OctagonAlert } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Tabs, TabsList, TabsTrigger } from "@/components/ui/tabs";
import { CredentialsForm } from "./credentials-form";
import { OAuthLogin } from "./oauth-login";
import { OrgSummary } from "./org-summary";
import type { ConnectionView } from "./types";
import { useRefreshSalesforce } from "./use-salesforce";

export function CredentialsStep({ connection }: { connection: ConnectionView }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const setAuthType = useMutation(trpc.salesforce.setAuthType.mutationOptions({ onSuccess: refresh }));
  const switchError = setAuthType.error ? errorInfo(setAuthType.error).message : undefined;
  const connected = connection.state !== "not_connected";
  const canSwitch = connection.canEdit && connection.oauthAvailable && !connection.orgLocked;
  // Once connected the form folds away; it opens again to change (or, after confirming, renew) the credentials.
  const [editing, setEditing] = useState(false);
  const showForm = !connected || editing || connection.retriesStopped;

  return (
    <div className="grid gap-5">
      {connection.retriesStopped ? (
        <Alert variant="destructive">
          <OctagonAlert aria-hidden />
          <AlertTitle>Ferry stopped logging in to Salesforce</AlertTitle>
          <AlertDescription>
            Salesforce refused the stored credentials {connection.loginFailures} times in a row, so Ferry stopped trying before Salesforce locks the sync user
            out.
            {connection.authType === "oauth" ? " Log in to Salesforce again." : " Enter the current password and security token below."}
            {connection.lastError ? <span className="mt-1 block text-[13px]">Salesforce said: {connection.lastError}</span> : null}
          </AlertDescription>
        </Alert>
      ) : null}
      {!connection.retriesStopped && connection.loginFailures > 0 ? (
        <Alert variant="warning">
          <CircleAlert aria-hidden />
          <AlertTitle>
            Salesforce refused the stored credentials {connection.loginFailures === 1 ? "once" : `${connection.loginFailures} times`} in a row
          </AlertTitle>
          <AlertDescription>
            Ferry stops trying after 3 refusals so the sync user is not locked out. If the password or token changed, update them now.
            {connection.lastError ? <span className="mt-1 block text-[13px]">Salesforce said: {connection.lastError}</span> : null}
          </AlertDescription>
        </Alert>
      ) : null}
      {connected ? <OrgSummary connection={connection} /> : null}
      {!connection.canEdit ? (
        connected ? null : (
          <p className="text-sm text-muted-foreground">
            An admin of this tenant has not connected Salesforce yet. Viewers can follow along but not change anything.
          </p>
        )
      ) : !showForm ? (
        <div>
          <Button type="button" variant="outline" size="sm" onClick={() => setEditing(true)}>
            <KeyRound aria-hidden />
            {connection.orgLocked ? (connection.authType === "oauth" ? "Renew the authorization" : "Update password or token") : "Change credentials"}
          </Button>
        </div>
      ) : (
        <>
          {canSwitch ? (
            <Tabs value={connection.authType} onValueChange={(value) => setAuthType.mutate({ authType: value as "password" | "oauth" })}>
              <TabsList aria-label="How Ferry logs in">
                <TabsTrigger value="password">Username and password</TabsTrigger>
                <TabsTrigger value="oauth">OAuth</TabsTrigger>
              </TabsList>
            </Tabs>
          ) : null}
          {canSwitch && connected ? (
            <p className="text-[13px] text-muted-foreground">Switching the login method forgets the current credentials and the fields synced so far.</p>
          ) : null}
          {switchError ? (
            <Alert variant="destructive">
              <CircleAlert aria-hidden />
              <AlertDescription>{switchError}</AlertDescription>
            </Alert>
          ) : null}
          {connection.authType === "oauth" ? (
            <OAuthLogin key="oauth" connection={connection} />
          ) : (
            <CredentialsForm key={`password-${connection.orgLocked}`} connection={connection} updating={connection.orgLocked} />
          )}
        </>
      )}
    </div>
  );
}
