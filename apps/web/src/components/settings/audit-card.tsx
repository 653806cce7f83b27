"use client";

import { useState } from "react";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { ScrollText } from "lucide-react";
import { useTRPC } from "@/lib/trpc";
import { formatDateTime } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { LabelledSelect } from "@/components/ui/labelled-select";
import { describeAction, targetOf } from "./audit-words";
import { QueryError } from "./query-error";
import { TableSkeleton } from "./table-skeleton";

const PAGE = 25;
const MAX = 200;

const outcomeVariant = { success: "success", failure: "destructive", denied: "warning" } as const;

const areas = {
  all: "Everything",
  salesforce: "Salesforce connection",
  people: "Members and invitations",
  support: "Support access",
  records: "Records and sync errors",
} as const;
const outcomes = { all: "Any outcome", success: "Done", failure: "Failed", denied: "Refused" } as const;
const outcomeWords = { success: "Done", failure: "Failed", denied: "Refused" } as const;
type Area = Exclude<keyof typeof areas, "all">;
type Outcome = Exclude<keyof typeof outcomes, "all">;

export function AuditCard() {
  const trpc = useTRPC();
  const [limit, setLimit] = useState(PAGE);
  const [area, setArea] = useState<Area | "all">("all");
  const [outcome, setOutcome] = useState<Outcome | "all">("all");
  const audit = useQuery({
    ...trpc.audit.list.queryOptions({ limit, ...(area === "all" ? {} : { area }), ...(outcome === "all" ? {} : { outcome }) }),
    placeholderData: keepPreviousData,
  });
  const mayHaveMore = audit.data !== undefined && audit.data.length === limit && limit < MAX;

  return (
    <Card aria-labelledby="audit-title">
      <CardHeader>
        <div>
          <CardTitle id="audit-title">Audit log</CardTitle>
          <CardDescription className="mt-1">Who did what in this tenant, support access included. Entries cannot be changed.</CardDescription>
        </div>
        <form className="flex flex-wrap gap-3" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
          <LabelledSelect
            id="audit-area"
            label="Show"
            width="sm:w-56"
            value={area}
            onChange={(v) => (setArea(v as Area | "all"), setLimit(PAGE))}
            options={Object.entries(areas)}
          />
          <LabelledSelect
            id="audit-outcome"
            label="Outcome"
            value={outcome}
            onChange={(v) => (setOutcome(v as Outcome | "all"), setLimit(PAGE))}
            options={Object.entries(outcomes)}
          />
        </form>
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
          <ol className="divide-y border-t" aria-labelledby="audit-title" data-testid="audit-log">
            {audit.data.map((entry) => {
              const actor = entry.actorName ?? entry.actorEmail ?? "Someone";
              const target = targetOf(entry);
              return (
                <li
                  key={entry.id}
                  className="grid gap-1 px-6 py-3 text-sm sm:grid-cols-[10rem_1fr_auto] sm:gap-4"
                  data-testid="audit-entry"
                  data-action={entry.action}
                >
                  <span className="text-muted-foreground tabular-nums">{formatDateTime(entry.createdAt)}</span>
                  <div className="min-w-0">
                    <p>
                      <span className="font-medium">{actor}</span>
                      {entry.supportGrantId ? <span className="text-muted-foreground"> (Ferry support)</span> : null}{" "}
                      {describeAction({ ...entry, details: { ...entry.details, subjectName: entry.subjectName } })}
                    </p>
                    <p className="break-words text-[13px] text-muted-foreground">
                      {entry.actorName && entry.actorEmail ? entry.actorEmail : null}
                      {target ? (
                        <>
                          {entry.actorName && entry.actorEmail ? " · " : null}
                          {target}
                        </>
                      ) : null}
                      {entry.reason ? <span className="block">Reason: {entry.reason}</span> : null}
                    </p>
                  </div>
                  <span className="sm:text-right">
                    <Badge variant={outcomeVariant[entry.outcome]}>{outcomeWords[entry.outcome]}</Badge>
                  </span>
                </li>
              );
            })}
          </ol>
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
