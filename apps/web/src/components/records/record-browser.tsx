"use client";

import { LabelledSelect } from "@/components/ui/labelled-select";

import { useEffect, useState } from "react";
import Link from "next/link";
import { keepPreviousData, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronRight, CircleAlert, Rows3, Search } from "lucide-react";
import { useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { formatRelative } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { Skeleton } from "@/components/ui/skeleton";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { EmptyState } from "@/components/empty-state";

export type RecordKind = "people" | "companies" | "opportunities";
type Cursor = { key: string; sfId: string };
const ALL = "all";
const money = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

const count = new Intl.NumberFormat();

/** One tab of the record browser: server-side search, filters, sort and keyset pages. */
export function RecordList({ kind }: { kind: RecordKind }) {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [type, setType] = useState<string>(ALL);
  const [owner, setOwner] = useState<string>(ALL);
  const [deleted, setDeleted] = useState<"exclude" | "include" | "only">("exclude");
  const [errors, setErrors] = useState<string>(ALL);
  const [sort, setSort] = useState<"asc" | "desc">("asc");
  // The cursors of the pages before this one, so "Previous" needs no offset.
  const [trail, setTrail] = useState<(Cursor | undefined)[]>([undefined]);
  const term = useDebounced(search.trim(), 250);
  const cursor = trail[trail.length - 1];
  const owners = useQuery(trpc.record.owners.queryOptions());
  const input = {
    kind,
    search: term || undefined,
    type: kind === "people" && type !== ALL ? (type as "Lead" | "Contact") : undefined,
    ownerId: owner !== ALL ? owner : undefined,
    deleted,
    hasError: errors === ALL ? undefined : errors === "yes",
    sort,
    cursor,
    limit: 50,
  };
  const list = useQuery({ ...trpc.record.list.queryOptions(input), placeholderData: keepPreviousData });
  const queryClient = useQueryClient();
  // Streamed changes (near-real-time) land without a reload: the shown page is read again.
  useRealtimeEvent("sync.stream", (event) => {
    if (event.applied) void queryClient.invalidateQueries(trpc.record.list.pathFilter());
  });
  // The first page of the same filters carries the total (cached from when it was shown).
  const first = useQuery({ ...trpc.record.list.queryOptions({ ...input, cursor: undefined }), enabled: trail.length > 1, placeholderData: keepPreviousData });
  const counted = trail.length > 1 ? first.data : list.data;
  const total = counted?.total ?? null;
  const from = (trail.length - 1) * input.limit + 1;
  const to = from + (list.data?.rows.length ?? 0) - 1;
  const reset = () => setTrail([undefined]);
  useEffect(reset, [term, type, owner, deleted, errors, sort]);
  const rows = list.data?.rows ?? [];
  return (
    <div className="grid gap-4">
      <form className="flex flex-wrap items-end gap-3" role="search" aria-label={`Search ${kind}`} onSubmit={(e) => e.preventDefault()}>
        <div className="grid min-w-56 flex-1 gap-1.5">
          <Label htmlFor={`${kind}-search`}>Search</Label>
          <div className="relative">
            <Search className="pointer-events-none absolute top-2.5 left-2.5 size-4 text-muted-foreground" aria-hidden />
            <Input
              id={`${kind}-search`}
              className="pl-8"
              type="search"
              value={search}
              onChange={(e) => setSearch(e.target.value)}
              placeholder={kind === "people" ? "Name or email, from the start" : "Name, from the start"}
            />
          </div>
        </div>
        {kind === "people" ? (
          <LabelledSelect
            id={`${kind}-type`}
            label="Type"
            value={type}
            onChange={setType}
            options={[
              [ALL, "Leads and Contacts"],
              ["Lead", "Leads"],
              ["Contact", "Contacts"],
            ]}
          />
        ) : null}
        <LabelledSelect
          id={`${kind}-owner`}
          label="Owner"
          value={owner}
          onChange={setOwner}
          options={[[ALL, "Any owner"], ...(owners.data ?? []).map((o): [string, string] => [o.sfId, o.name])]}
        />
        <LabelledSelect
          id={`${kind}-deleted`}
          label="Deleted"
          value={deleted}
          onChange={(v) => setDeleted(v as typeof deleted)}
          options={[
            ["exclude", "Hide deleted"],
            ["include", "Include deleted"],
            ["only", "Only deleted"],
          ]}
        />
        <LabelledSelect
          id={`${kind}-errors`}
          label="Sync errors"
          value={errors}
          onChange={setErrors}
          options={[
            [ALL, "Any"],
            ["yes", "With sync errors"],
            ["no", "Without"],
          ]}
        />
        <LabelledSelect
          id={`${kind}-sort`}
          label="Sort"
          value={sort}
          onChange={(v) => setSort(v as "asc" | "desc")}
          options={[
            ["asc", list.data?.searchedBy === "email" ? "Email A–Z" : "Name A–Z"],
            ["desc", list.data?.searchedBy === "email" ? "Email Z–A" : "Name Z–A"],
          ]}
        />
      </form>
      {list.isPending ? (
        <Skeleton className="h-64" />
      ) : list.isError ? (
        <p className="text-sm text-destructive">{errorInfo(list.error).message}</p>
      ) : rows.length === 0 ? (
        <EmptyState
          icon={Rows3}
          title={term ? "No match" : "No records"}
          description={
            term
              ? "Search matches the start of a name (or of an email address when it contains @)."
              : "Records appear here once the sync has brought them from Salesforce."
          }
        />
      ) : (
        <>
          <div className="overflow-x-auto rounded-xl border bg-card">
            <Table aria-label={kind === "people" ? "People" : kind === "companies" ? "Companies" : "Opportunities"} aria-busy={list.isFetching}>
              <TableHeader>
                <TableRow>
                  <TableHead>Name</TableHead>
                  {kind === "people" ? <TableHead>Type</TableHead> : null}
                  {kind === "people" ? <TableHead>Email</TableHead> : null}
                  {kind === "people" ? <TableHead>Company</TableHead> : null}
                  {kind === "companies" ? <TableHead>Industry</TableHead> : null}
                  {kind === "opportunities" ? <TableHead>Stage</TableHead> : null}
                  {kind === "opportunities" ? <TableHead className="text-right">Amount</TableHead> : null}
                  <TableHead>Owner</TableHead>
                  <TableHead>Synced</TableHead>
                  <TableHead>
                    <span className="sr-only">Open</span>
                  </TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((r) => (
                  <TableRow key={`${r.object}-${r.sfId}`} data-testid="record-row" data-sfid={r.sfId}>
                    <TableCell className="font-medium">
                      <Link className="underline-offset-4 hover:underline" href={`/records/${r.object}/${r.sfId}`}>
                        {r.name ?? r.sfId}
                      </Link>
                      {r.isDeleted ? (
                        <Badge variant="outline" className="ml-2">
                          Deleted
                        </Badge>
                      ) : null}
                      {r.hasError ? (
                        <Badge variant="destructive" className="ml-2">
                          <CircleAlert aria-hidden />
                          Error
                        </Badge>
                      ) : null}
                      {r.pendingPushes > 0 ? (
                        <Badge variant="warning" className="ml-2">
                          Push pending
                        </Badge>
                      ) : null}
                    </TableCell>
                    {kind === "people" ? <TableCell>{r.object === "Lead" ? (r.convertedToId ? "Lead (converted)" : "Lead") : "Contact"}</TableCell> : null}
                    {kind === "people" ? <TableCell className="max-w-56 truncate">{r.email ?? "—"}</TableCell> : null}
                    {kind === "people" ? <TableCell className="max-w-48 truncate">{r.company ?? r.accountName ?? "—"}</TableCell> : null}
                    {kind === "companies" ? <TableCell>{r.industry ?? "—"}</TableCell> : null}
                    {kind === "opportunities" ? <TableCell>{r.stage ?? "—"}</TableCell> : null}
                    {kind === "opportunities" ? (
                      <TableCell className="text-right tabular-nums">{r.amount === null ? "—" : money.format(r.amount)}</TableCell>
                    ) : null}
                    <TableCell className="max-w-40 truncate">{r.ownerName ?? "—"}</TableCell>
                    <TableCell className="whitespace-nowrap text-muted-foreground">{formatRelative(r.syncedAt)}</TableCell>
                    <TableCell>
                      <Link
                        href={`/records/${r.object}/${r.sfId}`}
                        aria-label={`Open ${r.name ?? r.sfId}`}
                        className="inline-flex rounded p-1 text-muted-foreground hover:bg-accent"
                      >
                        <ChevronRight className="size-4" aria-hidden />
                      </Link>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <nav className="flex items-center justify-between gap-3 text-sm" aria-label="Record pages">
            <span className="text-muted-foreground tabular-nums" data-testid="record-range">
              {to >= from ? `${count.format(from)}–${count.format(to)}` : "0"}
              {total === null ? "" : ` of ${count.format(total)}${counted?.totalIsAtLeast ? "+" : ""}`}
            </span>
            <div className="flex gap-2">
              <Button variant="outline" size="sm" disabled={trail.length <= 1} onClick={() => setTrail((t) => t.slice(0, -1))}>
                Previous
              </Button>
              <Button
                variant="outline"
                size="sm"
                disabled={!list.data?.nextCursor}
                onClick={() => list.data?.nextCursor && setTrail((t) => [...t, list.data.nextCursor!])}
              >
                Next
              </Button>
            </div>
          </nav>
        </>
      )}
    </div>
  );
}
