"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Download, Users } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";
import { EmptyState } from "@/components/empty-state";
import { downloadCsv } from "@/components/history/download";

/** People sharing a normalised email. Ferry reports them; merging is left to Salesforce. */
export function DuplicateReport() {
  const trpc = useTRPC();
  const [trail, setTrail] = useState<(string | undefined)[]>([undefined]);
  const list = useQuery(trpc.duplicate.list.queryOptions({ after: trail[trail.length - 1], limit: 25 }));
  const summary = useQuery(trpc.duplicate.summary.queryOptions());
  const exportCsv = useMutation(
    trpc.duplicate.exportCsv.mutationOptions({
      onSuccess: (file) => downloadCsv(file.filename, file.csv),
      onError: (e) => toast.error("Export failed", errorInfo(e).message),
    }),
  );
  const data = list.data;
  return (
    <div className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <p className="text-sm text-muted-foreground" data-testid="duplicate-summary">
          {summary.data
            ? `${summary.data.groups} email address${summary.data.groups === 1 ? "" : "es"} shared by ${summary.data.people} people. Ferry never merges them; merge in Salesforce if they are the same person.`
            : "Counting shared email addresses… Ferry never merges them."}
        </p>
        <Button variant="outline" pending={exportCsv.isPending} onClick={() => exportCsv.mutate()}>
          {exportCsv.isPending ? null : <Download aria-hidden />}
          Export CSV
        </Button>
      </div>
      {list.isPending ? (
        <Skeleton className="h-48" />
      ) : list.isError ? (
        <p className="text-sm text-destructive">{errorInfo(list.error).message}</p>
      ) : data && data.groups.length === 0 ? (
        <EmptyState
          icon={Users}
          title="No duplicates"
          description="No two synced Leads or Contacts share an email address (converted Leads count as their Contact)."
        />
      ) : (
        <ul className="grid gap-3" aria-label="Duplicate groups">
          {data?.groups.map((g) => (
            <li key={g.email}>
              <Card data-testid="duplicate-group" data-email={g.email}>
                <CardHeader>
                  <CardTitle className="text-sm font-medium">
                    {g.email} <span className="text-muted-foreground">· {g.count} people</span>
                  </CardTitle>
                </CardHeader>
                <CardContent>
                  <ul className="grid gap-1 text-sm">
                    {g.members.map((m) => (
                      <li key={m.sfId} className="flex flex-wrap gap-x-3">
                        <Link className="font-medium text-primary underline-offset-4 hover:underline" href={`/records/${m.object}/${m.sfId}`}>
                          {m.name ?? m.sfId}
                        </Link>
                        <span className="text-muted-foreground">{m.object}</span>
                        {m.company ? <span className="text-muted-foreground">{m.company}</span> : null}
                      </li>
                    ))}
                  </ul>
                </CardContent>
              </Card>
            </li>
          ))}
        </ul>
      )}
      {data && (trail.length > 1 || data.nextAfter) ? (
        <nav className="flex justify-end gap-2" aria-label="Duplicate pages">
          <Button variant="outline" size="sm" disabled={trail.length <= 1} onClick={() => setTrail((t) => t.slice(0, -1))}>
            Previous
          </Button>
          <Button variant="outline" size="sm" disabled={!data.nextAfter} onClick={() => data.nextAfter && setTrail((t) => [...t, data.nextAfter!])}>
            Next
          </Button>
        </nav>
      ) : null}
    </div>
  );
}
