"use client";

import { useState } from "react";
import { useMutation } from "@tanstack/react-query";
import { CircleAlert, LogIn } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import type { ConnectionView } from "./types";

/** Tenants set to OAuth see this instead of the fields: Salesforce's own login and approval page. */
export function OAuthLogin({ connection }: { connection: ConnectionView }) {
  const trpc = useTRPC();
  const [sandbox, setSandbox] = useState(connection.loginHost === "sandbox");
  const [customDomain, setCustomDomain] = useState(connection.loginHost === "custom" ? (connection.customDomain ?? "") : "");
  const start = useMutation(
    trpc.salesforce.startOAuth.mutationOptions({
      onSuccess({ authorizeUrl }) {
        window.location.assign(authorizeUrl);
      },
    }),
  );
  const failure = start.error ? errorInfo(start.error) : undefined;
  return (
    <div className="grid gap-4">
      {connection.demo ? (
        <p className="rounded-lg border border-dashed border-primary/30 bg-primary/5 px-4 py-3 text-[13px]">
          Demo: on the emulator's page, log in as <code className="font-mono">{connection.demo.users[0]?.username}</code> with password{" "}
          <code className="font-mono">{connection.demo.users[0]?.password}</code>, then choose Allow.
        </p>
      ) : null}
      <label className="flex items-start gap-2.5 text-sm">
        <input type="checkbox" name="sandbox" className="mt-0.5 size-4" checked={sandbox} onChange={(e) => setSandbox(e.target.checked)} />
        <span>
          <span className="font-medium">Sandbox</span>
          <span className="block text-[13px] text-muted-foreground">Log in at the sandbox login host instead of production.</span>
        </span>
      </label>
      <Field label="Custom login domain (optional)" error={failure?.fields.customDomain} hint="e.g. acme.my.salesforce.com">
        {(control) => <Input {...control} name="customDomain" autoComplete="off" value={customDomain} onChange={(e) => setCustomDomain(e.target.value)} />}
      </Field>
      {failure && !failure.fields.customDomain ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden />
          <AlertDescription>{failure.message}</AlertDescription>
        </Alert>
      ) : null}
      <div>
        <Button
          type="button"
          pending={start.isPending || start.isSuccess}
          onClick={() => start.mutate({ sandbox, customDomain: customDomain.trim() || undefined })}
        >
          {start.isPending ? null : <LogIn aria-hidden />}
          Log in to Salesforce
        </Button>
      </div>
    </div>
  );
}
