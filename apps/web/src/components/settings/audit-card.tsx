"use client";

import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ScrollText } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { formatDateTime } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { QueryError } from "./query-error";
import { TableSkeleton } from "./table-skeleton";

const PAGE = 25;
const MAX = 200;

const outcomeVariant = { success: "success", failure: "destructive", denied: "warning" } as const;

function describeTarget(entry: { targetType: string | null; targetId: string | null; details: Record<string, unknown> | null }) {
  const email = typeof entry.details?.email === "string" ? entry.details.email : undefined;
  const role = typeof entry.details?.role === "string" ? entry.details.role : undefined;
  const parts = [email, role ? `as ${role}` : undefined].filter(Boolean);
  if (parts.length > 0) return parts.join(" ");
  return entry.targetType ? `${entry.targetType}${entry.targetId ? ` ${entry.targetId.slice(0, 8)}` : ""}` : "—";
}

export function AuditCard() {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(PAGE);
  const audit = useQuery({ ...trpc.audit.list.queryOptions({ limit }), placeholderData: keepPreviousData });
  const mayHaveMore = audit.data !== undefined && audit.data.length === limit && limit < MAX;

  return (
    <Card aria-labelledby="audit-title">
      <CardHeader>
        <div>
          <CardTitle id="audit-title">Audit log</CardTitle>
          <CardDescription className="mt-1">Who did what in this tenant, support access included. Entries cannot be changed.</CardDescription>
        </div>
      </CardHeader>
      {audit.isPending ? (
        <TableSkeleton rows={4} columns={4} />
      ) : audit.isError ? (
        <QueryError error={audit.error} onRetry={() => void audit.refetch()} />
      ) : audit.data.length === 0 ? (
        <div className="flex items-center gap-3 px-6 pb-6 text-sm text-muted-foreground">
          <ScrollText className="size-4" aria-hidden />
          No activity recorded yet.
        </div>
      ) : (
        <>
          <Table aria-labelledby="audit-title">
            <TableHeader>
              <TableRow>
                <TableHead>When</TableHead>
                <TableHead>Actor</TableHead>
                <TableHead>Action</TableHead>
                <TableHead>Target</TableHead>
                <TableHead className="text-right">Outcome</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {audit.data.map((entry) => (
                <TableRow key={entry.id}>
                  <TableCell className="whitespace-nowrap text-muted-foreground">{formatDateTime(entry.createdAt)}</TableCell>
                  <TableCell>
                    <span className="block max-w-[16rem] truncate font-medium">{entry.actorName ?? entry.actorEmail ?? entry.actorUserId}</span>
                    {entry.actorName && entry.actorEmail ? <span className="block max-w-[16rem] truncate text-[13px] text-muted-foreground">{entry.actorEmail}</span> : null}
                    {entry.supportGrantId ? <Badge variant="warning" className="mt-1">Ferry support</Badge> : null}
                  </TableCell>
                  <TableCell>
                    <code className="rounded bg-muted px-1.5 py-0.5 font-mono text-xs">{entry.action}</code>
                  </TableCell>
                  <TableCell className="max-w-[18rem] truncate text-muted-foreground">
                    {describeTarget(entry)}
                    {entry.reason ? <span className="block truncate text-xs">Reason: {entry.reason}</span> : null}
                  </TableCell>
                  <TableCell className="text-right">
                    <Badge variant={outcomeVariant[entry.outcome]}>{entry.outcome}</Badge>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {mayHaveMore ? (
            <div className="flex justify-center border-t px-6 py-3">
              <Button variant="ghost" size="sm" pending={audit.isFetching} onClick={() => setLimit((current) => Math.min(current + PAGE * 2, MAX))}>
                Show more
              </Button>
            </div>
          ) : null}
        </>
      )}
    </Card>
  );
}
