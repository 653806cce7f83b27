"use client";

import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { CircleAlert, Lock, TriangleAlert } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import type { ConnectionView } from "./types";
import { useRefreshSalesforce } from "./use-salesforce";

/** Confirm Credentials: read the warning, tick, confirm. From here on the org cannot change. */
export function ConfirmStep({ connection }: { connection: ConnectionView }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const [acknowledged, setAcknowledged] = useState(false);
  const confirm = useMutation(trpc.salesforce.confirm.mutationOptions({ onSuccess: refresh }));
  if (connection.orgLocked) {
    return (
      <p className="text-sm">
        <Lock className="mr-1.5 inline size-4 text-muted-foreground" aria-hidden />
        Confirmed: this tenant is locked to org <code className="font-mono">{connection.org?.orgId}</code>
        {connection.org?.orgName ? ` (${connection.org.orgName})` : ""}.
      </p>
    );
  }
  if (!connection.canEdit) return <p className="text-sm text-muted-foreground">An admin confirms the credentials next.</p>;
  const org = connection.org;
  return (
    <div className="grid gap-4">
      <Alert variant="warning">
        <TriangleAlert aria-hidden />
        <AlertTitle>This locks Ferry to {org?.orgName ?? org?.orgId} for good</AlertTitle>
        <AlertDescription>
          <p>
            After you confirm, this tenant always syncs org <code className="font-mono">{org?.orgId}</code> ({org?.isSandbox ? "sandbox" : "production"}). You
            can still update the password or token later, but only for this same org; switching to another org, between production and sandbox, or between OAuth
            and username/password is not possible.
          </p>
          <p className="mt-1">The next step, editing the initial field mappings, is your only chance to change them.</p>
        </AlertDescription>
      </Alert>
      <label className="flex items-start gap-2.5 text-sm">
        <input type="checkbox" className="mt-0.5 size-4" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} />
        <span>I have read the warning and want to use this org permanently.</span>
      </label>
      {confirm.error ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden />
          <AlertDescription>{errorInfo(confirm.error).message}</AlertDescription>
        </Alert>
      ) : null}
      <div>
        <Button type="button" disabled={!acknowledged} pending={confirm.isPending} onClick={() => confirm.mutate({ acknowledged: true })}>
          Confirm Credentials
        </Button>
      </div>
    </div>
  );
}
