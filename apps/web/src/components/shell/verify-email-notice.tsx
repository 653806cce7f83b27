"use client";

import { useMutation } from "@tanstack/react-query";
import { MailCheck } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";

/** A slim reminder until the address is confirmed; the portal works meanwhile. */
export function VerifyEmailNotice({ email }: { email: string }) {
  const trpc = useTRPC();
  const send = useMutation(trpc.account.sendVerification.mutationOptions());
  return (
    <div
      role="status"
      aria-label="Confirm your email address"
      className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b bg-primary/5 px-4 py-2 text-sm sm:px-6"
    >
      <MailCheck className="size-4 shrink-0 text-primary" aria-hidden />
      <span className="min-w-0 flex-1">
        Confirm your email address: open the link we sent to <span className="font-medium">{email}</span>.
      </span>
      {send.isSuccess ? (
        <span className="text-muted-foreground">Sent. Check your mail for the new link.</span>
      ) : (
        <Button variant="ghost" size="sm" disabled={send.isPending} onClick={() => send.mutate()}>
          {send.isPending ? "Sending…" : "Send the link again"}
        </Button>
      )}
      {send.isError ? (
        <span role="alert" className="basis-full text-[oklch(0.5_0.2_27)]">
          {errorInfo(send.error).message}
        </span>
      ) : null}
    </div>
  );
}
