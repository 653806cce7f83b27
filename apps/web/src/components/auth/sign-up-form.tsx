"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CircleAlert } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

/**
 * Creates an account. With `withCompany` it also creates the person's tenant (they become its owner);
 * without it the account is for accepting an invitation into an existing tenant.
 */
export function SignUpForm({
  defaultEmail = "",
  withCompany,
  onSignedUp,
}: {
  defaultEmail?: string;
  withCompany: boolean;
  onSignedUp?: () => void | Promise<void>;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [values, setValues] = useState({ name: "", email: defaultEmail, password: "", tenantName: "" });
  const signUp = useMutation(trpc.account.signUp.mutationOptions());
  const [finishing, setFinishing] = useState(false);
  // Fields edited since the last attempt no longer show that attempt's error.
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const failure = signUp.error ? errorInfo(signUp.error) : undefined;
  const fieldError = (key: keyof typeof values) => (edited.has(key) ? undefined : failure?.fields[key]);

  function set(key: keyof typeof values) {
    return (event: React.ChangeEvent<HTMLInputElement>) => {
      setValues((current) => ({ ...current, [key]: event.target.value }));
      setEdited((current) => (current.has(key) ? current : new Set(current).add(key)));
    };
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setEdited(new Set());
    try {
      await signUp.mutateAsync({
        name: values.name,
        email: values.email.trim(),
        password: values.password,
        ...(withCompany ? { tenantName: values.tenantName } : {}),
      });
    } catch {
      return; // shown through signUp.error
    }
    setFinishing(true);
    try {
      await queryClient.invalidateQueries({ queryKey: trpc.account.me.queryKey() });
      await onSignedUp?.();
    } finally {
      setFinishing(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate className="grid gap-5" aria-label="Create account">
      {failure && Object.keys(failure.fields).length === 0 ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden />
          <AlertDescription>{failure.message}</AlertDescription>
        </Alert>
      ) : null}
      <Field label="Your name" error={fieldError("name")}>
        {(control) => <Input {...control} name="name" autoComplete="name" placeholder="Ada Lovelace" value={values.name} onChange={set("name")} autoFocus />}
      </Field>
      <Field label="Email" error={fieldError("email")} hint={withCompany ? "Your work email; it is also how you sign in." : undefined}>
        {(control) => (
          <Input {...control} type="email" name="email" autoComplete="email" placeholder="you@company.com" value={values.email} onChange={set("email")} />
        )}
      </Field>
      <Field label="Password" error={fieldError("password")} hint="At least 10 characters.">
        {(control) => <Input {...control} type="password" name="password" autoComplete="new-password" value={values.password} onChange={set("password")} />}
      </Field>
      {withCompany ? (
        <Field label="Company name" error={fieldError("tenantName")} hint="Your workspace in Ferry. You can invite your team next.">
          {(control) => (
            <Input {...control} name="company" autoComplete="organization" placeholder="Acme Inc." value={values.tenantName} onChange={set("tenantName")} />
          )}
        </Field>
      ) : null}
      <Button type="submit" size="lg" className="w-full" pending={signUp.isPending || finishing}>
        Create account
      </Button>
    </form>
  );
}
