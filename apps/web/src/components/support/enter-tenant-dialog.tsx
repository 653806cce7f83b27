"use client";

import { useState, type FormEvent } from "react";
import { LogIn } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useStartSupportAccess } from "./use-support-actions";

export function EnterTenantDialog({ tenantId, tenantName, disabled }: { tenantId: string; tenantName: string; disabled?: boolean }) {
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const [ticket, setTicket] = useState("");
  const [minutes, setMinutes] = useState("60");
  const start = useStartSupportAccess();
  const error = start.error ? errorInfo(start.error) : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const duration = Number.parseInt(minutes, 10);
    start.mutate({ tenantId, reason, ...(ticket.trim() ? { ticket: ticket.trim() } : {}), ...(Number.isFinite(duration) ? { minutes: duration } : {}) });
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) start.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button disabled={disabled}>
          <LogIn aria-hidden />
          Enter tenant
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} aria-label="Enter tenant" className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Enter {tenantName}</DialogTitle>
            <DialogDescription>
              You will see what its admins see, read-only, for at most an hour. The tenant&apos;s admins can read your reason and everything you do in their
              audit log.
            </DialogDescription>
          </DialogHeader>
          {error && !error.fields.reason && !error.fields.minutes ? <p className="text-sm text-destructive">{error.message}</p> : null}
          <Field label="Reason" error={error?.fields.reason} hint="At least 10 characters: what the customer asked for.">
            {(control) => <Input {...control} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={500} />}
          </Field>
          <Field label="Ticket (optional)">
            {(control) => <Input {...control} value={ticket} onChange={(e) => setTicket(e.target.value)} maxLength={80} />}
          </Field>
          <Field label="Minutes" error={error?.fields.minutes} hint="1 to 60; the deployment may set a lower limit.">
            {(control) => <Input {...control} type="number" min={1} max={60} value={minutes} onChange={(e) => setMinutes(e.target.value)} />}
          </Field>
          <DialogFooter>
            <Button type="submit" pending={start.isPending}>
              Enter read-only
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
