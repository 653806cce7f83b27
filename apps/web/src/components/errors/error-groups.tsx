"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleCheck, Download, ExternalLink, EyeOff, RotateCcw } from "lucide-react";
import { useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { hasRole } from "@/lib/session";
import { formatRelative } from "@/lib/utils";
import { useActiveTenant } from "@/components/shell/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Label } from "@/components/ui/label";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { EmptyState } from "@/components/empty-state";
import { downloadCsv } from "@/components/history/download";

type State = "open" | "ignored" | "resolved" | "all";
const operations: Record<string, string> = {
  pull_updates: "Pull",
  pull_deletes: "Pull deletes",
  pull_conversions: "Conversions",
  push_new: "Push new",
  push_updates: "Push update",
  sync_schema: "Schema",
  reconcile: "Reconcile",
};

/** Sync errors grouped by Salesforce's code, each explained, with retry and ignore per error or group. */
export function ErrorGroups() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { tenant } = useActiveTenant();
  const canAct = hasRole(tenant.role, "admin");
  const [state, setState] = useState<State>("open");
  const list = useQuery(trpc.syncError.list.queryOptions({ state, perGroup: 50 }));
  useRealtimeEvent("sync.status", () => void queryClient.invalidateQueries(trpc.syncError.list.pathFilter()));
  const settle = { onSuccess: () => queryClient.invalidateQueries(trpc.syncError.list.pathFilter()) };
  const retry = useMutation(
    trpc.syncError.retry.mutationOptions({
      ...settle,
      onSuccess: async (r) => {
        toast.success("Queued for retry", `${r.retried} error${r.retried === 1 ? "" : "s"} will be retried by the next sync.`);
        await settle.onSuccess();
      },
      onError: (e) => toast.error("Retry failed", errorInfo(e).message),
    }),
  );
  const ignore = useMutation(
    trpc.syncError.ignore.mutationOptions({
      ...settle,
      onSuccess: async (r) => {
        toast.success("Ignored", `${r.ignored} error${r.ignored === 1 ? "" : "s"} moved to Ignored.`);
        await settle.onSuccess();
      },
      onError: (e) => toast.error("Ignore failed", errorInfo(e).message),
    }),
  );
  const exportCsv = useMutation(
    trpc.syncError.exportCsv.mutationOptions({
      onSuccess: (file) => downloadCsv(file.filename, file.csv),
      onError: (e) => toast.error("Export failed", errorInfo(e).message),
    }),
  );
  const busy = retry.isPending || ignore.isPending;
  const data = list.data;
  return (
    <div className="grid gap-5">
      <div className="flex flex-wrap items-end gap-3">
        <div className="grid gap-1.5">
          <Label htmlFor="errors-state">Show</Label>
          <Select value={state} onValueChange={(v) => setState(v as State)}>
            <SelectTrigger id="errors-state" className="w-44">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="open">Open</SelectItem>
              <SelectItem value="ignored">Ignored</SelectItem>
              <SelectItem value="resolved">Resolved</SelectItem>
              <SelectItem value="all">All (30 days)</SelectItem>
            </SelectContent>
          </Select>
        </div>
        {data ? (
          <p className="pb-2 text-sm text-muted-foreground">
            {data.total} error{data.total === 1 ? "" : "s"} in {data.groups.length} group{data.groups.length === 1 ? "" : "s"}
          </p>
        ) : null}
        <Button variant="outline" className="ml-auto" pending={exportCsv.isPending} onClick={() => exportCsv.mutate({ state })}>
          {exportCsv.isPending ? null : <Download aria-hidden />}
          Export CSV
        </Button>
      </div>
      {list.isPending ? (
        <Skeleton className="h-64" />
      ) : list.isError ? (
        <p className="text-sm text-destructive">{errorInfo(list.error).message}</p>
      ) : data && data.groups.length === 0 ? (
        <EmptyState
          icon={CircleCheck}
          title={state === "open" ? "No open sync errors" : "Nothing here"}
          description="Record-level and job-level errors from the last 30 days appear here, grouped by Salesforce's error code."
        />
      ) : (
        data?.groups.map((group) => (
          <Card key={group.code} data-testid="error-group" data-code={group.code}>
            <CardHeader>
              <div className="flex flex-wrap items-start justify-between gap-3">
                <div className="min-w-0">
                  <CardTitle className="flex flex-wrap items-center gap-2">
                    {group.explanation.title}
                    <Badge variant="destructive" className="font-mono">
                      {group.code}
                    </Badge>
                    <Badge variant="outline">{group.count}</Badge>
                  </CardTitle>
                  <CardDescription className="mt-1.5">{group.explanation.meaning}</CardDescription>
                  <p className="mt-2 text-sm">
                    <span className="font-medium">What to do: </span>
                    {group.explanation.action}
                  </p>
                </div>
                {canAct && state !== "resolved" ? (
                  <div className="flex gap-2">
                    <Button
                      size="sm"
                      variant="outline"
                      disabled={busy}
                      onClick={() => retry.mutate({ code: group.code })}
                      aria-label={`Retry all ${group.code} errors`}
                    >
                      <RotateCcw aria-hidden />
                      Retry all
                    </Button>
                    {state !== "ignored" ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        disabled={busy}
                        onClick={() => ignore.mutate({ code: group.code })}
                        aria-label={`Ignore all ${group.code} errors`}
                      >
                        <EyeOff aria-hidden />
                        Ignore all
                      </Button>
                    ) : null}
                  </div>
                ) : null}
              </div>
            </CardHeader>
            <CardContent>
              <div className="overflow-x-auto">
                <Table aria-label={`${group.code} errors`}>
                  <TableHeader>
                    <TableRow>
                      <TableHead>Record</TableHead>
                      <TableHead>Message</TableHead>
                      <TableHead>When</TableHead>
                      <TableHead>
                        <span className="sr-only">Actions</span>
                      </TableHead>
                    </TableRow>
                  </TableHeader>
                  <TableBody>
                    {group.errors.map((e) => (
                      <TableRow key={e.id} data-testid="sync-error" data-sfid={e.sfId ?? ""}>
                        <TableCell className="align-top">
                          <div className="flex flex-col gap-0.5">
                            <span className="text-sm">
                              {e.object ?? "Whole job"}
                              {e.operation ? <span className="text-muted-foreground"> · {operations[e.operation] ?? e.operation}</span> : null}
                            </span>
                            {e.ferryPath ? (
                              <Link className="font-mono text-xs text-primary underline-offset-4 hover:underline" href={e.ferryPath}>
                                {e.sfId}
                              </Link>
                            ) : e.sfId ? (
                              <span className="font-mono text-xs">{e.sfId}</span>
                            ) : null}
                            {e.salesforceUrl ? (
                              <a
                                className="inline-flex items-center gap-1 text-xs text-primary underline-offset-4 hover:underline"
                                href={e.salesforceUrl}
                                target="_blank"
                                rel="noreferrer"
                              >
                                Open in Salesforce
                                <ExternalLink className="size-3" aria-hidden />
                                <span className="sr-only"> (opens in a new tab)</span>
                              </a>
                            ) : null}
                          </div>
                        </TableCell>
                        <TableCell className="max-w-md align-top text-sm whitespace-normal">
                          {e.message}
                          {e.state === "retrying" ? <Badge className="ml-2">Retrying</Badge> : null}
                        </TableCell>
                        <TableCell className="align-top text-sm whitespace-nowrap text-muted-foreground">{formatRelative(e.createdAt)}</TableCell>
                        <TableCell className="align-top">
                          {canAct && (e.state === "open" || e.state === "ignored") ? (
                            <div className="flex justify-end gap-1">
                              <Button
                                size="sm"
                                variant="ghost"
                                disabled={busy}
                                onClick={() => retry.mutate({ ids: [e.id] })}
                                aria-label={`Retry error on ${e.sfId ?? e.object ?? "job"}`}
                              >
                                <RotateCcw aria-hidden />
                                Retry
                              </Button>
                              {e.state === "open" ? (
                                <Button
                                  size="sm"
                                  variant="ghost"
                                  disabled={busy}
                                  onClick={() => ignore.mutate({ ids: [e.id] })}
                                  aria-label={`Ignore error on ${e.sfId ?? e.object ?? "job"}`}
                                >
                                  <EyeOff aria-hidden />
                                  Ignore
                                </Button>
                              ) : null}
                            </div>
                          ) : null}
                        </TableCell>
                      </TableRow>
                    ))}
                  </TableBody>
                </Table>
              </div>
              {group.count > group.errors.length ? (
                <p className="mt-3 text-xs text-muted-foreground">
                  Showing the newest {group.errors.length} of {group.count}; the CSV export has them all.
                </p>
              ) : null}
            </CardContent>
          </Card>
        ))
      )}
    </div>
  );
}
