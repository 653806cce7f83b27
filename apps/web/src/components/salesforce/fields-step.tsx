"use client";

import { useMemo, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { CircleAlert, ListChecks, Lock, RefreshCw, TriangleAlert } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import type { ConnectionView, FieldPreview } from "./types";
import { useRefreshSalesforce } from "./use-salesforce";

/** Sync Fields with a preview: what the sync user sees per object; excluded fields are never created. */
export function FieldsStep({ connection }: { connection: ConnectionView }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const [excluded, setExcluded] = useState<Set<string>>(new Set());
  const [acknowledged, setAcknowledged] = useState(false);
  const preview = useMutation(trpc.salesforce.previewFields.mutationOptions({ onSuccess: () => setExcluded(new Set()) }));
  const commit = useMutation(trpc.salesforce.commitFields.mutationOptions({ onSuccess: refresh }));
  const catalog = useQuery({ ...trpc.salesforce.catalog.queryOptions(), enabled: connection.state !== "validated" && connection.state !== "not_connected" });
  const data = preview.data;
  const previewError = preview.error ? errorInfo(preview.error).message : undefined;
  const commitError = commit.error ? errorInfo(commit.error).message : undefined;

  if (connection.state !== "validated") {
    const rows = catalog.data ?? [];
    const objects = [...new Set(rows.map((r) => r.object))];
    return (
      <div className="grid gap-3">
        <p className="text-sm">
          <ListChecks className="mr-1.5 inline size-4 text-success" aria-hidden />
          {rows.filter((r) => !r.excluded).length} fields created from {objects.length} objects
          {rows.some((r) => r.excluded) ? `; ${rows.filter((r) => r.excluded).length} excluded` : ""}.
        </p>
        <p className="text-[13px] text-muted-foreground">These fields are permanent. New Salesforce fields are picked up by the sync later.</p>
      </div>
    );
  }
  if (!connection.canEdit) return <p className="text-sm text-muted-foreground">An admin runs Sync Fields next.</p>;

  const toggle = (key: string) =>
    setExcluded((current) => {
      const next = new Set(current);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  return (
    <div className="grid gap-4">
      <Alert variant="warning">
        <TriangleAlert aria-hidden />
        <AlertTitle>Every field you include is created in Ferry permanently</AlertTitle>
        <AlertDescription>
          Look at the preview first and exclude what Ferry should never hold. Fields the sync needs are marked and cannot be excluded.
        </AlertDescription>
      </Alert>
      <div>
        <Button type="button" variant={data ? "outline" : "default"} pending={preview.isPending} onClick={() => preview.mutate()}>
          {preview.isPending ? null : <RefreshCw aria-hidden />}
          {data ? "Preview again" : "Preview fields"}
        </Button>
      </div>
      {previewError ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden />
          <AlertDescription>{previewError}</AlertDescription>
        </Alert>
      ) : null}
      {data ? <Preview data={data} excluded={excluded} toggle={toggle} /> : null}
      {data && data.missing.length === 0 ? (
        <div className="grid gap-3 rounded-lg border bg-muted/30 p-4">
          <label className="flex items-start gap-2.5 text-sm">
            <input type="checkbox" className="mt-0.5 size-4" checked={acknowledged} onChange={(e) => setAcknowledged(e.target.checked)} />
            <span>I understand that the {data.totalFields - excluded.size} included fields are created permanently and cannot be removed later.</span>
          </label>
          {commitError ? (
            <Alert variant="destructive">
              <CircleAlert aria-hidden />
              <AlertDescription>{commitError}</AlertDescription>
            </Alert>
          ) : null}
          <div>
            <Button
              type="button"
              disabled={!acknowledged}
              pending={commit.isPending}
              onClick={() =>
                commit.mutate({
                  acknowledgedPermanent: true,
                  excluded: [...excluded].map((key) => {
                    const [object, field] = key.split(".") as [string, string];
                    return { object, field };
                  }),
                })
              }
            >
              Sync Fields
            </Button>
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Preview({ data, excluded, toggle }: { data: FieldPreview; excluded: Set<string>; toggle: (key: string) => void }) {
  const missingByObject = useMemo(() => new Set(data.missing.map((m) => m.object)), [data.missing]);
  return (
    <div className="grid gap-3">
      {data.missing.length > 0 ? (
        <Alert variant="destructive" data-testid="missing-fields">
          <CircleAlert aria-hidden />
          <AlertTitle>The sync user cannot see fields Ferry needs</AlertTitle>
          <AlertDescription>
            <ul className="mt-1 grid gap-1.5">
              {data.missing.map((m) => (
                <li key={`${m.object}.${m.field}`}>
                  <code className="font-mono font-semibold">
                    {m.object}.{m.field}
                  </code>{" "}
                  — {m.fix}
                </li>
              ))}
            </ul>
          </AlertDescription>
        </Alert>
      ) : null}
      <Tabs defaultValue={data.objects[0]?.name}>
        <TabsList aria-label="Salesforce objects" className="h-auto flex-wrap">
          {data.objects.map((o) => (
            <TabsTrigger key={o.name} value={o.name}>
              {o.name}
              <span className="ml-1 text-xs text-muted-foreground">{o.fields.length}</span>
              {missingByObject.has(o.name) ? <CircleAlert className="ml-1 size-3.5 text-destructive" aria-label="missing required fields" /> : null}
            </TabsTrigger>
          ))}
        </TabsList>
        {data.objects.map((o) => (
          <TabsContent key={o.name} value={o.name}>
            <div className="max-h-[28rem] overflow-auto rounded-lg border">
              <Table aria-label={`${o.name} fields`}>
                <TableHeader>
                  <TableRow>
                    <TableHead className="w-16">Include</TableHead>
                    <TableHead>Label</TableHead>
                    <TableHead>API name</TableHead>
                    <TableHead>Type</TableHead>
                    <TableHead>Writable</TableHead>
                    <TableHead />
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {o.fields.map((f) => {
                    const key = `${o.name}.${f.name}`;
                    return (
                      <TableRow key={key}>
                        <TableCell>
                          <input
                            type="checkbox"
                            className="size-4"
                            aria-label={`Include ${key}`}
                            checked={!excluded.has(key)}
                            disabled={f.requiredByFerry}
                            onChange={() => toggle(key)}
                          />
                        </TableCell>
                        <TableCell>{f.label}</TableCell>
                        <TableCell className="font-mono text-xs">{f.name}</TableCell>
                        <TableCell className="text-xs">{f.type}</TableCell>
                        <TableCell className="text-xs">{f.writable ? "Yes" : "Read-only"}</TableCell>
                        <TableCell>
                          {f.requiredByFerry ? (
                            <Badge variant="secondary">
                              <Lock aria-hidden />
                              Needed by Ferry
                            </Badge>
                          ) : null}
                        </TableCell>
                      </TableRow>
                    );
                  })}
                </TableBody>
              </Table>
            </div>
          </TabsContent>
        ))}
      </Tabs>
    </div>
  );
}
