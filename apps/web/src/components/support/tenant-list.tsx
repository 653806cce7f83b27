"use client";

import { useDeferredValue, useState } from "react";
import Link from "next/link";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Search } from "lucide-react";
import type { RouterOutputs } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";
import { formatRelative } from "@/lib/utils";
import { QueryError } from "@/components/settings/query-error";
import { TableSkeleton } from "@/components/settings/table-skeleton";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { apiUsage, DASH, words } from "./format";

type Filter = "all" | "failed" | "paused" | "over_cap";
type ConsoleTenant = RouterOutputs["support"]["tenants"]["tenants"][number];

const filters: Array<{ value: Filter; label: string }> = [
  { value: "all", label: "All" },
  { value: "failed", label: "Failed" },
  { value: "paused", label: "Paused" },
  { value: "over_cap", label: "Over API cap" },
];

function SyncCell({ tenant }: { tenant: ConsoleTenant }) {
  if (tenant.flags.failed) return <Badge variant="destructive">Failed</Badge>;
  if (tenant.flags.overCap) return <Badge variant="warning">API capped</Badge>;
  if (tenant.flags.paused) return <Badge variant="warning">Paused</Badge>;
  return tenant.sync ? <Badge variant="secondary">{words(tenant.sync.state)}</Badge> : <span className="text-muted-foreground">{DASH}</span>;
}

export function TenantList() {
  const trpc = useTRPC();
  const [search, setSearch] = useState("");
  const [filter, setFilter] = useState<Filter>("all");
  const deferredSearch = useDeferredValue(search.trim());
  const list = useQuery({
    ...trpc.support.tenants.queryOptions({ filter, ...(deferredSearch ? { search: deferredSearch } : {}) }),
    placeholderData: keepPreviousData,
    refetchInterval: 15_000,
  });

  return (
    <Card aria-labelledby="tenants-title" className="gap-0">
      <div className="flex flex-wrap items-center gap-3 border-b px-6 py-4">
        <h2 id="tenants-title" className="mr-auto text-base font-semibold">
          Tenants
        </h2>
        <div className="relative">
          <Search className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" aria-hidden />
          <Input aria-label="Search tenants" placeholder="Name, slug or id" className="w-64 pl-8" value={search} onChange={(e) => setSearch(e.target.value)} />
        </div>
        <div role="group" aria-label="Filter tenants" className="flex gap-1 rounded-lg border p-0.5">
          {filters.map((f) => (
            <button
              key={f.value}
              type="button"
              aria-pressed={filter === f.value}
              onClick={() => setFilter(f.value)}
              className="rounded-md px-2.5 py-1 text-sm text-muted-foreground aria-pressed:bg-secondary aria-pressed:font-medium aria-pressed:text-foreground"
            >
              {f.label}
            </button>
          ))}
        </div>
      </div>
      {list.isPending ? (
        <TableSkeleton rows={4} columns={6} />
      ) : list.isError ? (
        <div className="pt-6">
          <QueryError error={list.error} onRetry={() => void list.refetch()} />
        </div>
      ) : list.data.tenants.length === 0 ? (
        <p className="px-6 py-8 text-sm text-muted-foreground">No tenant matches{deferredSearch ? ` “${deferredSearch}”` : ""} with this filter.</p>
      ) : (
        <div className="overflow-x-auto">
          <Table aria-label="Tenants">
            <TableHeader>
              <TableRow>
                <TableHead>Tenant</TableHead>
                <TableHead>Connection</TableHead>
                <TableHead>Sync</TableHead>
                <TableHead>Last run</TableHead>
                <TableHead>Last error</TableHead>
                <TableHead className="text-right">API used / cap</TableHead>
                <TableHead className="text-right">Backlog</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {list.data.tenants.map((tenant) => (
                <TableRow key={tenant.id}>
                  <TableCell>
                    <Link href={`/support/${tenant.id}`} className="font-medium underline-offset-4 hover:underline">
                      {tenant.name}
                    </Link>
                    <p className="text-[13px] text-muted-foreground">
                      {tenant.slug} · {tenant.members} member{tenant.members === 1 ? "" : "s"}
                      {tenant.support ? (
                        <Badge variant="warning" className="ml-2">
                          Support inside
                        </Badge>
                      ) : null}
                    </p>
                  </TableCell>
                  <TableCell className="text-sm">
                    {tenant.connection ? words(tenant.connection.state) : DASH}
                    {tenant.connection?.orgName ? <p className="text-[13px] text-muted-foreground">{tenant.connection.orgName}</p> : null}
                  </TableCell>
                  <TableCell>
                    <SyncCell tenant={tenant} />
                  </TableCell>
                  <TableCell className="text-sm whitespace-nowrap">
                    {tenant.lastRun ? (
                      <>
                        {words(tenant.lastRun.status)}
                        <p className="text-[13px] text-muted-foreground">
                          {tenant.lastRun.kind}, {formatRelative(tenant.lastRun.startedAt)}
                        </p>
                      </>
                    ) : (
                      DASH
                    )}
                  </TableCell>
                  <TableCell className="max-w-[16rem] text-sm">
                    {tenant.lastError ? (
                      <span className="line-clamp-2" title={tenant.lastError.message}>
                        <code className="font-mono text-xs">{tenant.lastError.code}</code> {tenant.lastError.message}
                      </span>
                    ) : (
                      DASH
                    )}
                    {tenant.openErrors > 0 ? <p className="text-[13px] text-muted-foreground">{tenant.openErrors} open</p> : null}
                  </TableCell>
                  <TableCell className="text-right text-sm whitespace-nowrap tabular-nums">{apiUsage(tenant.api)}</TableCell>
                  <TableCell className="text-right text-sm tabular-nums">{tenant.backlog > 0 ? tenant.backlog.toLocaleString() : DASH}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {list.data.truncated ? (
            <p className="border-t px-6 py-3 text-[13px] text-muted-foreground">Showing the first 500 tenants; search to narrow down.</p>
          ) : null}
        </div>
      )}
    </Card>
  );
}
