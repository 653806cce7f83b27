"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { toast } from "@/components/ui/toast";

export function ElevateDialog({ tenantName }: { tenantName: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const [reason, setReason] = useState("");
  const elevate = useMutation(
    trpc.support.elevate.mutationOptions({
      onSuccess: async () => {
        setOpen(false);
        setReason("");
        toast.success("Write access granted", `Your changes in ${tenantName} are recorded in its audit log under your name.`);
        await queryClient.invalidateQueries();
      },
    }),
  );
  const error = elevate.error ? errorInfo(elevate.error) : undefined;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    elevate.mutate({ reason });
  };
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) elevate.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button size="sm" variant="outline" className="h-7 border-amber-900/30 bg-white/60 text-amber-950 hover:bg-white">
          Elevate to write
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} aria-label="Elevate support access" className="grid gap-4">
          <DialogHeader>
            <DialogTitle>Write access to {tenantName}</DialogTitle>
            <DialogDescription>
              Until your access ends you can change this tenant as its admins can. Say why: the reason goes into the tenant&apos;s audit log, which its admins
              read.
            </DialogDescription>
          </DialogHeader>
          <Field label="Reason for write access" error={error?.fields.reason ?? error?.message} hint="At least 10 characters.">
            {(control) => <Input {...control} value={reason} onChange={(e) => setReason(e.target.value)} autoFocus maxLength={500} />}
          </Field>
          <DialogFooter>
            <Button type="submit" pending={elevate.isPending}>
              Elevate
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
