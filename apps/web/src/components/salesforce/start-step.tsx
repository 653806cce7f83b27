"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation } from "@tanstack/react-query";
import { Activity, CircleAlert, Clock, Rocket, Users } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { formatDateTime } from "@/lib/utils";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useRun } from "@/components/sync/run-store";
import type { ConnectionView } from "./types";
import { useRefreshSalesforce } from "./use-salesforce";

const runStatusLabel: Record<string, string> = {
  queued: "Queued",
  in_progress: "In progress",
  succeeded: "Finished",
  failed: "Failed",
  incomplete: "Stopped",
  paused: "Paused",
};

/** Start Salesforce Sync, after a confirmation that says duplicates are reported, never merged. */
export function StartStep({ connection }: { connection: ConnectionView }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const [open, setOpen] = useState(false);
  const [acknowledged, setAcknowledged] = useState(false);
  const start = useMutation(
    trpc.salesforce.startSync.mutationOptions({
      async onSuccess() {
        setOpen(false);
        await refresh();
      },
    }),
  );
  // The run store's initial run: the one the header and the progress page show, moved by live events.
  const store = useRun();
  const run = store.data ? store.initialRun : connection.initialRun;
  if (connection.syncStarted && run) {
    return (
      <div className="flex flex-wrap items-center gap-3 text-sm" data-testid="initial-run">
        <Clock className="size-4 text-muted-foreground" aria-hidden />
        <span>Initial sync started {formatDateTime(run.startedAt)}</span>
        <Badge
          variant={
            run.status === "failed" || run.status === "incomplete"
              ? "destructive"
              : run.status === "succeeded"
                ? "success"
                : run.status === "paused"
                  ? "warning"
                  : "default"
          }
          data-testid="initial-run-status"
        >
          {runStatusLabel[run.status] ?? run.status}
        </Badge>
        {run.status === "succeeded" && "finishedAt" in run && run.finishedAt ? (
          <span className="text-[13px] text-muted-foreground">Finished {formatDateTime(run.finishedAt)}</span>
        ) : null}
        {run.status === "queued" ? <span className="text-[13px] text-muted-foreground">It starts as soon as a sync worker is free.</span> : null}
        <Button asChild variant="outline" size="sm" className="ml-auto">
          <Link href="/salesforce/progress">
            <Activity aria-hidden />
            {run.status === "succeeded" ? "See the run" : "Watch it live"}
          </Link>
        </Button>
      </div>
    );
  }
  if (!connection.canEdit) return <p className="text-sm text-muted-foreground">An admin starts the sync.</p>;
  const failure = start.error ? errorInfo(start.error).message : undefined;
  return (
    <div className="grid gap-3">
      <div>
        <Button type="button" disabled={connection.state !== "ready"} onClick={() => setOpen(true)}>
          <Rocket aria-hidden />
          Start Salesforce Sync
        </Button>
      </div>
      <Dialog open={open} onOpenChange={(next) => (setOpen(next), setAcknowledged(false))}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Start the Salesforce sync?</DialogTitle>
            <DialogDescription>
              Ferry starts a permanent sync with {connection.org?.orgName ?? connection.org?.orgId}. The initial sync reads every included field of every record
              and takes longer the bigger the org; you can watch it live.
            </DialogDescription>
          </DialogHeader>
          <Alert variant="warning">
            <Users aria-hidden />
            <AlertTitle>Duplicates are not merged</AlertTitle>
            <AlertDescription>
              People with the same email stay separate records, as in Salesforce. Ferry reports them in a duplicate report instead of merging them.
            </AlertDescription>
          </Alert>
          <label className="flex items-start gap-2.5 text-sm">
            <input type="checkbox" className="mt-0.5 size-4" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} />
            <span>I understand that duplicates are reported, not merged.</span>
          </label>
          {failure ? (
            <Alert variant="destructive">
              <CircleAlert aria-hidden />
              <AlertDescription>{failure}</AlertDescription>
            </Alert>
          ) : null}
          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="button" disabled={!acknowledged} pending={start.isPending} onClick={() => start.mutate({ acknowledgeDuplicates: true })}>
              Start Sync
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </div>
  );
}
