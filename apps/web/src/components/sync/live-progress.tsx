"use client";

import Link from "next/link";
import { Activity, CircleAlert, Clock, Gauge, History } from "lucide-react";
import { useRealtime } from "@/lib/realtime";
import { errorInfo } from "@/lib/errors";
import { cn, formatDateTime, formatRelative } from "@/lib/utils";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { EmptyState } from "@/components/empty-state";
import { formatDuration } from "./eta";
import type { LiveObject } from "./run-model";
import { useRun } from "./run-store";

const number = new Intl.NumberFormat();
// The engine's one vocabulary, in events and in sync_runs.phase alike.
const phases: Record<string, string> = {
  counting: "Counting",
  reading: "Reading",
  writing: "Writing",
  pushing: "Pushing",
  reconciling: "Reconciling",
  done: "Done",
};
// The one object can be worked on twice in a run (read, then reconciled): the row says which.
const operationLabel: Record<string, string> = {
  pull_deletes: "deletes",
  pull_conversions: "conversions",
  push_new: "new records pushed",
  push_updates: "updates pushed",
  sync_schema: "schema",
  reconcile: "reconciled",
};
const runTitles: Record<string, string> = {
  initial: "Initial sync",
  incremental: "Incremental sync",
  push: "Push to Salesforce",
  reconcile: "Reconciliation (background check)",
};
const statusLabel: Record<string, string> = {
  queued: "Queued",
  in_progress: "In progress",
  succeeded: "Succeeded",
  failed: "Failed",
  incomplete: "Incomplete",
  paused: "Paused",
  pending: "Pending",
};
const statusVariant = (s: string) =>
  s === "succeeded" ? "success" : s === "failed" || s === "incomplete" ? "destructive" : s === "paused" ? "warning" : s === "pending" ? "secondary" : "default";

function Bar({ value, label }: { value: number | null; label: string }) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value ?? undefined}
      aria-valuetext={value === null ? "Counting" : `${value}%`}
      className="h-2.5 w-full overflow-hidden rounded-full bg-muted"
    >
      <div
        className={cn("h-full rounded-full bg-primary transition-[width] duration-700 ease-out", value === null && "w-1/4 animate-pulse bg-primary/40")}
        style={value === null ? undefined : { width: `${value}%` }}
      />
    </div>
  );
}

function ObjectRow({ o }: { o: LiveObject }) {
  const percent =
    o.status === "succeeded" ? 100 : o.total === null ? null : o.total === 0 ? 100 : Math.min(100, Math.floor((o.processed / o.total) * 1000) / 10);
  const pending = o.status === "pending";
  return (
    <li
      className="grid gap-2 py-4"
      data-testid="progress-object"
      data-object={o.object}
      data-status={o.status}
      data-processed={o.processed}
      data-total={o.total ?? ""}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
        <div className="flex items-center gap-2">
          <span className="font-medium">
            {o.object}
            {o.operation !== "pull_updates" ? <span className="font-normal text-muted-foreground"> · {operationLabel[o.operation] ?? o.operation}</span> : null}
          </span>
          <Badge variant={statusVariant(o.status)}>{statusLabel[o.status] ?? o.status}</Badge>
          {o.phase && o.status === "in_progress" ? <span className="text-xs text-muted-foreground">{phases[o.phase] ?? o.phase}</span> : null}
        </div>
        <span className="text-sm tabular-nums text-muted-foreground">
          {pending ? (
            "not started"
          ) : (
            <>
              {number.format(o.processed)} / {o.total === null ? "counting…" : number.format(o.total)}
            </>
          )}
          {percent === null ? null : <span className="ml-2 font-medium text-foreground">{percent}%</span>}
        </span>
      </div>
      <Bar value={pending ? 0 : percent} label={`${o.object} progress`} />
      <dl className="flex flex-wrap gap-x-5 gap-y-1 text-xs text-muted-foreground tabular-nums">
        <div className="flex gap-1">
          <dt>Created</dt>
          <dd className="text-foreground">{number.format(o.created)}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Updated</dt>
          <dd className="text-foreground">{number.format(o.updated)}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Failed</dt>
          <dd className={cn(o.failed > 0 ? "text-destructive" : "text-foreground")}>{number.format(o.failed)}</dd>
        </div>
        <div className="flex gap-1">
          <dt>Rate</dt>
          <dd className="text-foreground" data-testid="progress-rate">
            {o.rate === null ? "—" : `${number.format(Math.round(o.rate))}/s`}
          </dd>
        </div>
        <div className="flex gap-1">
          <dt>ETA</dt>
          <dd className="text-foreground" data-testid="progress-eta">
            {o.status === "in_progress" ? (o.total === null ? "—" : formatDuration(o.etaSeconds)) : o.status === "succeeded" ? "done" : "—"}
          </dd>
        </div>
      </dl>
    </li>
  );
}

/** The current sync run, live: per-object bars with counts, rate and a settling ETA. */
export function LiveProgress() {
  const { query, run, objects, overall: total } = useRun();
  const { status } = useRealtime();
  if (query.isPending) return <Skeleton className="h-72 w-full rounded-xl" />;
  if (query.isError && !query.data)
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden />
        <AlertTitle>Progress could not be loaded</AlertTitle>
        <AlertDescription>{errorInfo(query.error).message}</AlertDescription>
      </Alert>
    );
  if (!run)
    return (
      <EmptyState icon={Activity} title="No sync has run yet" description="Start the Salesforce sync under Admin > Salesforce; its progress appears here live.">
        <Button asChild variant="outline">
          <Link href="/salesforce">Go to Salesforce setup</Link>
        </Button>
      </EmptyState>
    );
  const phase = run.phase;
  const active = run.status === "in_progress" || run.status === "queued";
  return (
    <Card data-testid="live-progress" data-run={run.id} data-status={run.status}>
      <CardHeader>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div>
            <CardTitle className="flex items-center gap-2">
              {runTitles[run.kind] ?? run.kind}
              <Badge variant={statusVariant(run.status)} data-testid="run-status">
                {statusLabel[run.status] ?? run.status}
              </Badge>
            </CardTitle>
            <CardDescription>
              Started {formatDateTime(run.startedAt)}
              {run.finishedAt ? ` · finished ${formatRelative(run.finishedAt)}` : null}
              {active && phase ? ` · ${phases[phase] ?? phase}` : null}
            </CardDescription>
          </div>
          {active && status !== "connected" ? (
            <Badge variant="warning" role="status">
              Live updates reconnecting…
            </Badge>
          ) : null}
        </div>
      </CardHeader>
      <CardContent className="grid gap-5">
        <div className="grid gap-2">
          <div className="flex flex-wrap items-baseline justify-between gap-2">
            <span className="text-sm font-medium">Overall</span>
            <span
              className="text-sm tabular-nums text-muted-foreground"
              data-testid="overall-progress"
              data-percent={total.percent ?? undefined}
              data-processed={total.processed}
              data-objects={objects.length}
            >
              {total.percent === null
                ? `Counting records… · ${number.format(total.processed)} read so far`
                : `${total.percent}% · ${number.format(total.processed)} of ${number.format(total.total ?? total.processed)}`}
              {active && total.percent !== null && total.percent < 100 ? (
                <span className="ml-3 inline-flex items-center gap-1">
                  <Clock className="size-3.5" aria-hidden />
                  <span data-testid="overall-eta">{total.etaSeconds === null ? "estimating…" : `about ${formatDuration(total.etaSeconds)} left`}</span>
                </span>
              ) : null}
            </span>
          </div>
          <Bar value={total.percent} label="Overall progress" />
        </div>
        {run.status === "failed" || run.status === "incomplete" ? (
          <Alert variant="destructive">
            <CircleAlert aria-hidden />
            <AlertTitle>{run.status === "failed" ? "The sync failed" : "The sync stopped before the end"}</AlertTitle>
            <AlertDescription>
              <p>
                {run.error ?? "No reason was recorded."}
                {run.errorCode ? ` (${run.errorCode})` : ""}
              </p>
              <Link className="underline underline-offset-4" href="/errors">
                See sync errors
              </Link>
            </AlertDescription>
          </Alert>
        ) : null}
        {run.status === "paused" ? (
          <Alert>
            <Gauge aria-hidden />
            <AlertTitle data-testid="paused-reason">
              {run.errorCode === "API_CAP_REACHED"
                ? "Paused: the daily API cap is reached"
                : run.errorCode === "REQUEST_LIMIT_EXCEEDED"
                  ? "Paused: the Salesforce org's API limit is reached"
                  : "Paused"}
            </AlertTitle>
            <AlertDescription>
              <p>
                {run.errorCode === "API_CAP_REACHED"
                  ? "The org's API calls over the last 24 hours reached Ferry's cap for this tenant, so the sync stopped before going over it."
                  : (run.error ?? "The sync is on hold.")}
                {run.resumesAt ? ` It looks again ${formatDateTime(run.resumesAt)} and carries on once calls are free.` : ""}
              </p>
              {run.errorCode === "API_CAP_REACHED" ? (
                <Link className="underline underline-offset-4" href="/settings">
                  Change the cap in Settings
                </Link>
              ) : null}
            </AlertDescription>
          </Alert>
        ) : null}
        {objects.length === 0 ? (
          <p className="text-sm text-muted-foreground">Waiting for the first object to be counted…</p>
        ) : (
          <ul className="divide-y" aria-label="Progress per object">
            {objects.map((o) => (
              <ObjectRow key={`${o.object}-${o.operation}`} o={o} />
            ))}
          </ul>
        )}
        <div className="flex flex-wrap gap-2 text-sm">
          <Button asChild variant="outline" size="sm">
            <Link href="/sync-history">
              <History aria-hidden />
              Sync history
            </Link>
          </Button>
          <span className="self-center text-xs text-muted-foreground">{number.format(run.apiCalls)} API calls so far</span>
        </div>
      </CardContent>
    </Card>
  );
}
