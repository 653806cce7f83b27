"use client";

import { LabelledSelect } from "@/components/ui/labelled-select";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, keepPreviousData } from "@tanstack/react-query";
import { ChevronLeft, ChevronRight, Download, History } from "lucide-react";
import { useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { formatDateTime } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { EmptyState } from "@/components/empty-state";
import { formatDuration } from "@/components/sync/eta";
import { useRun } from "@/components/sync/run-store";
import { downloadCsv } from "./download";

const number = new Intl.NumberFormat();
const ALL = "all";
const statuses = { succeeded: "Succeeded", failed: "Failed", incomplete: "Incomplete", in_progress: "In progress", paused: "Paused" } as const;
const operations = {
  pull_updates: "Pull updates",
  pull_deletes: "Pull deletes",
  pull_conversions: "Pull conversions",
  push_new: "Push new",
  push_updates: "Push updates",
  sync_schema: "Sync schema",
  reconcile: "Reconcile",
} as const;
const kinds = { initial: "Initial", incremental: "Incremental", push: "Push", reconcile: "Reconcile" } as const;
const variant = (s: string) => (s === "succeeded" ? "success" : s === "failed" || s === "incomplete" ? "destructive" : s === "paused" ? "warning" : "default");

type Filters = { status?: keyof typeof statuses; operation?: keyof typeof operations; kind?: keyof typeof kinds; object?: string; days: number };

/** Sync history: per run, per object and operation, newest first; filters, pages and a CSV export. */
export function HistoryTable({ initialStatus }: { initialStatus?: keyof typeof statuses | undefined }) {
  const trpc = useTRPC();
  const [filters, setFilters] = useState<Filters>({ days: 30, status: initialStatus });
  const [page, setPage] = useState(1);
  const pageSize = 50;
  const list = useQuery({ ...trpc.history.list.queryOptions({ ...filters, page, pageSize }), placeholderData: keepPreviousData });
  useRealtimeEvent("sync.status", () => void list.refetch());
  const exportCsv = useMutation(
    trpc.history.exportCsv.mutationOptions({
      onSuccess: (file) => downloadCsv(file.filename, file.csv),
      onError: (error) => toast.error("Export failed", errorInfo(error).message),
    }),
  );
  const set = (patch: Partial<Filters>) => {
    setFilters((f) => ({ ...f, ...patch }));
    setPage(1);
  };
  // The run the header and the progress page show is read from the run store, so its rows here never lag them.
  const store = useRun();
  const data = list.data ? { ...list.data, rows: list.data.rows.map((r) => withLiveRow(r, store.data)) } : undefined;
  const pages = data ? Math.max(1, Math.ceil(data.total / pageSize)) : 1;
  return (
    <div className="grid gap-4">
      <form className="flex flex-wrap items-end gap-3" aria-label="Filter sync history" onSubmit={(e) => e.preventDefault()}>
        <LabelledSelect
          id="history-status"
          label="Status"
          value={filters.status ?? ALL}
          onChange={(v) => set({ status: v === ALL ? undefined : (v as Filters["status"]) })}
          options={[[ALL, "Any status"], ...Object.entries(statuses)]}
        />
        <LabelledSelect
          id="history-operation"
          label="Operation"
          value={filters.operation ?? ALL}
          onChange={(v) => set({ operation: v === ALL ? undefined : (v as Filters["operation"]) })}
          options={[[ALL, "Any operation"], ...Object.entries(operations)]}
        />
        <LabelledSelect
          id="history-kind"
          label="Run"
          value={filters.kind ?? ALL}
          onChange={(v) => set({ kind: v === ALL ? undefined : (v as Filters["kind"]) })}
          options={[[ALL, "Any run"], ...Object.entries(kinds)]}
        />
        <LabelledSelect
          id="history-object"
          label="Object"
          value={filters.object ?? ALL}
          onChange={(v) => set({ object: v === ALL ? undefined : v })}
          options={[[ALL, "Any object"], ...(data?.objects ?? []).map((o): [string, string] => [o, o])]}
        />
        <LabelledSelect
          id="history-days"
          label="Period"
          value={String(filters.days)}
          onChange={(v) => set({ days: Number(v) })}
          options={[
            ["1", "Last 24 hours"],
            ["7", "Last 7 days"],
            ["30", "Last 30 days"],
          ]}
        />
        <Button type="button" variant="outline" className="ml-auto" pending={exportCsv.isPending} onClick={() => exportCsv.mutate(filters)}>
          {exportCsv.isPending ? null : <Download aria-hidden />}
          Export CSV
        </Button>
      </form>
      {list.isPending ? (
        <Skeleton className="h-64" />
      ) : list.isError ? (
        <p className="text-sm text-destructive">{errorInfo(list.error).message}</p>
      ) : data && data.rows.length === 0 ? (
        <EmptyState
          icon={History}
          title="No sync runs match"
          description="Runs are listed here for 30 days. Change the filters, or start the sync under Admin > Salesforce."
        />
      ) : data ? (
        <>
          <ul className="grid gap-3 sm:hidden" aria-label="Sync history">
            {data.rows.map((r) => (
              <li key={`${r.runId}-${r.object}-${r.operation}`} data-run={r.runId} className="grid gap-2 rounded-xl border bg-card p-4 text-sm">
                <div className="flex items-start justify-between gap-3">
                  <div>
                    <p className="font-medium">
                      {r.object ?? "Whole run"}{" "}
                      <span className="font-normal text-muted-foreground">· {r.operation ? operations[r.operation] : kinds[r.kind]}</span>
                    </p>
                    <p className="text-xs text-muted-foreground">
                      {formatDateTime(r.startedAt)} · {kinds[r.kind]}
                    </p>
                  </div>
                  <Badge variant={variant(r.status)}>{statuses[(r.status === "queued" ? "in_progress" : r.status) as keyof typeof statuses] ?? r.status}</Badge>
                </div>
                {r.error && !r.object ? <p className="text-xs text-destructive">{r.error}</p> : null}
                <dl className="grid grid-cols-3 gap-x-3 gap-y-1 text-xs tabular-nums">
                  {(
                    [
                      ["New", r.created],
                      ["Updated", r.updated],
                      ["Deleted", r.deleted],
                      ["Failed", r.failed],
                      ["Skipped", r.skipped],
                      ["API calls", r.apiCalls],
                    ] as const
                  ).map(([term, value]) => (
                    <div key={term}>
                      <dt className="text-muted-foreground">{term}</dt>
                      <dd className={term === "Failed" && value ? "text-destructive" : undefined}>{value === null ? "—" : number.format(value)}</dd>
                    </div>
                  ))}
                </dl>
                <p className="text-xs text-muted-foreground">Duration {r.durationMs === null ? "running" : formatDuration(r.durationMs / 1000)}</p>
              </li>
            ))}
          </ul>
          <div className="hidden overflow-x-auto rounded-xl border bg-card sm:block">
            <Table aria-label="Sync history" className="text-[13px]">
              <TableHeader>
                <TableRow>
                  <TableHead>Started</TableHead>
                  <TableHead>Object</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead className="px-2 text-right">New</TableHead>
                  <TableHead className="px-2 text-right">Updated</TableHead>
                  <TableHead className="px-2 text-right">Deleted</TableHead>
                  <TableHead className="px-2 text-right">Failed</TableHead>
                  <TableHead className="px-2 text-right">Skipped</TableHead>
                  <TableHead className="px-2 text-right">Duration</TableHead>
                  <TableHead className="px-2 text-right">API calls</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {data.rows.map((r) => (
                  <TableRow key={`${r.runId}-${r.object}-${r.operation}`} data-run={r.runId}>
                    <TableCell className="whitespace-nowrap">
                      {formatDateTime(r.startedAt)}
                      <span className="block text-xs text-muted-foreground">{kinds[r.kind]}</span>
                    </TableCell>
                    <TableCell>
                      {r.object ?? <span className="text-muted-foreground">Whole run</span>}
                      <span className="block text-xs whitespace-nowrap text-muted-foreground">{r.operation ? operations[r.operation] : null}</span>
                    </TableCell>
                    <TableCell>
                      <Badge variant={variant(r.status)}>
                        {statuses[(r.status === "queued" ? "in_progress" : r.status) as keyof typeof statuses] ?? r.status}
                      </Badge>
                      {r.error && !r.object ? <span className="mt-1 block max-w-56 text-xs text-destructive">{r.error}</span> : null}
                    </TableCell>
                    <TableCell className="px-2 text-right tabular-nums">{r.created === null ? "—" : number.format(r.created)}</TableCell>
                    <TableCell className="px-2 text-right tabular-nums">{r.updated === null ? "—" : number.format(r.updated)}</TableCell>
                    <TableCell className="px-2 text-right tabular-nums">{r.deleted === null ? "—" : number.format(r.deleted)}</TableCell>
                    <TableCell className="px-2 text-right tabular-nums">
                      {r.failed ? (
                        <Link className="text-destructive underline underline-offset-4" href="/errors">
                          {number.format(r.failed)}
                        </Link>
                      ) : r.failed === null ? (
                        "—"
                      ) : (
                        "0"
                      )}
                    </TableCell>
                    <TableCell className="px-2 text-right tabular-nums">{r.skipped === null ? "—" : number.format(r.skipped)}</TableCell>
                    <TableCell className="px-2 text-right tabular-nums whitespace-nowrap">
                      {r.durationMs === null ? "running" : formatDuration(r.durationMs / 1000)}
                    </TableCell>
                    <TableCell className="px-2 text-right tabular-nums">{number.format(r.apiCalls)}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <nav className="flex items-center justify-between gap-3 text-sm" aria-label="History pages">
            <span className="text-muted-foreground">
              {number.format(data.total)} rows · page {page} of {pages}
            </span>
            <div className="flex gap-2">
              <Button variant="outline" size="sm" disabled={page <= 1} onClick={() => setPage((p) => p - 1)}>
                <ChevronLeft aria-hidden />
                Previous
              </Button>
              <Button variant="outline" size="sm" disabled={page >= pages} onClick={() => setPage((p) => p + 1)}>
                Next
                <ChevronRight aria-hidden />
              </Button>
            </div>
          </nav>
        </>
      ) : null}
    </div>
  );
}

/** A history row of the run in the store, with the store's status and counters. */
function withLiveRow<
  R extends {
    runId: string;
    object: string | null;
    operation: string | null;
    status: string;
    created: number | null;
    updated: number | null;
    failed: number | null;
  },
>(r: R, current: ReturnType<typeof useRun>["data"]): R {
  const run = current?.run;
  if (!run || run.id !== r.runId) return r;
  if (!r.object) return { ...r, status: run.status };
  const row = current.objects.find((o) => o.object === r.object && o.operation === r.operation);
  if (!row) return r;
  return {
    ...r,
    status: row.status,
    created: Math.max(r.created ?? 0, row.created),
    updated: Math.max(r.updated ?? 0, row.updated),
    failed: Math.max(r.failed ?? 0, row.failed),
  };
}
