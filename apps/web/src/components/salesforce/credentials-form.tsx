"use client";

import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { CircleAlert, CircleCheck, ShieldCheck } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { DemoDetails } from "./demo-details";
import type { ConnectionView } from "./types";
import { useRefreshSalesforce } from "./use-salesforce";

/** Username, password, security token, Sandbox and an optional My Domain; "Validate" logs in for real. */
export function CredentialsForm({ connection, updating }: { connection: ConnectionView; updating: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const [username, setUsername] = useState(updating ? (connection.username ?? "") : "");
  const [password, setPassword] = useState("");
  const [securityToken, setSecurityToken] = useState("");
  const [sandbox, setSandbox] = useState(connection.loginHost === "sandbox");
  const [customDomain, setCustomDomain] = useState(connection.loginHost === "custom" ? (connection.customDomain ?? "") : "");
  const [edited, setEdited] = useState<Set<string>>(new Set());
  const validate = useMutation(
    trpc.salesforce.validate.mutationOptions({
      async onSuccess() {
        setPassword("");
        setSecurityToken("");
        setEdited(new Set());
        await refresh();
      },
    }),
  );
  const failure = validate.error ? errorInfo(validate.error) : undefined;
  const fieldError = (name: string) => (edited.has(name) ? undefined : failure?.fields[name]);
  const touch = (name: string) => setEdited((current) => new Set(current).add(name));

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setEdited(new Set());
    validate.mutate({ username: username.trim(), password, securityToken: securityToken.trim(), sandbox, customDomain: customDomain.trim() || undefined });
  }

  return (
    <form onSubmit={submit} noValidate aria-label={updating ? "Update Salesforce credentials" : "Salesforce credentials"} className="grid gap-4">
      {connection.demo && !updating ? (
        <DemoDetails
          demo={connection.demo}
          onUse={(user) => {
            setUsername(user.username);
            setPassword(user.password);
            setSecurityToken(user.securityToken);
          }}
        />
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Username" error={fieldError("username")} className="sm:col-span-2">
          {(control) => (
            <Input
              {...control}
              name="username"
              autoComplete="off"
              placeholder="sync.user@company.com"
              value={username}
              onChange={(e) => (setUsername(e.target.value), touch("username"))}
            />
          )}
        </Field>
        <Field label="Password" error={fieldError("password")}>
          {(control) => (
            <Input
              {...control}
              name="password"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => (setPassword(e.target.value), touch("password"))}
            />
          )}
        </Field>
        <Field
          label="Security token"
          error={fieldError("securityToken")}
          hint="In Salesforce, as the sync user: your name > Settings > My Personal Information > Reset My Security Token. Salesforce emails the token."
        >
          {(control) => (
            <Input
              {...control}
              name="securityToken"
              type="password"
              autoComplete="off"
              value={securityToken}
              onChange={(e) => (setSecurityToken(e.target.value), touch("securityToken"))}
            />
          )}
        </Field>
        <label className="flex items-start gap-2.5 text-sm sm:col-span-2">
          <input
            type="checkbox"
            name="sandbox"
            className="mt-0.5 size-4 accent-[var(--color-primary)]"
            checked={sandbox}
            onChange={(e) => setSandbox(e.target.checked)}
          />
          <span>
            <span className="font-medium">Sandbox</span>
            <span className="block text-[13px] text-muted-foreground">Log in at the sandbox login host (test.salesforce.com) instead of production.</span>
          </span>
        </label>
        <Field
          label="Custom login domain (optional)"
          error={fieldError("customDomain")}
          hint="Only if your org requires its My Domain to log in, e.g. acme.my.salesforce.com. It replaces the Sandbox choice."
          className="sm:col-span-2"
        >
          {(control) => (
            <Input
              {...control}
              name="customDomain"
              autoComplete="off"
              placeholder="acme.my.salesforce.com"
              value={customDomain}
              onChange={(e) => (setCustomDomain(e.target.value), touch("customDomain"))}
            />
          )}
        </Field>
      </div>
      {updating ? (
        <p className="text-[13px] text-muted-foreground">
          The sync has this org locked in: new credentials are accepted only if they log into org <code className="font-mono">{connection.org?.orgId}</code>,
          through the same {connection.org?.isSandbox ? "sandbox" : "production"} login.
        </p>
      ) : null}
      {failure && Object.keys(failure.fields).length === 0 ? (
        <Alert variant="destructive" data-testid="credentials-error">
          <CircleAlert aria-hidden />
          <AlertTitle>{updating ? "The credentials were not changed" : "Not connected"}</AlertTitle>
          <AlertDescription>
            <Readable message={failure.message} />
          </AlertDescription>
        </Alert>
      ) : null}
      {validate.isSuccess ? (
        <Alert variant="info">
          <CircleCheck aria-hidden />
          <AlertTitle>{validate.data.updatedLockedCredentials ? "Credentials updated" : "Credentials validated"}</AlertTitle>
          <AlertDescription>
            Logged in to {validate.data.orgName ?? validate.data.orgId} as {validate.data.syncUsername}.
          </AlertDescription>
        </Alert>
      ) : null}
      <div>
        <Button type="submit" pending={validate.isPending}>
          {validate.isPending ? null : <ShieldCheck aria-hidden />}
          {updating ? "Validate new credentials" : "Validate"}
        </Button>
      </div>
    </form>
  );
}

/** A long message as what happened, then what to do, one step a line (Salesforce's refusals run to several sentences). */
function Readable({ message }: { message: string }) {
  const [what, ...steps] = message.split(/(?<=[.!?])\s+(?=[A-Z])/);
  if (steps.length === 0) return <p>{message}</p>;
  return (
    <div className="grid gap-1.5">
      <p className="font-medium">{what} </p>
      <ul className="grid list-disc gap-1 pl-4">
        {steps.map((step) => (
          <li key={step}>{step} </li>
        ))}
      </ul>
    </div>
  );
}
