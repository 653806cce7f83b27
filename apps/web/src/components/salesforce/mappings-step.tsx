"use client";

import { useMemo, useState } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { ArrowLeftRight, ArrowRight, CircleAlert, Lock } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { Tabs, TabsContent, TabsList, TabsTrigger } from "@/components/ui/tabs";
import type { ConnectionView, MappingsView } from "./types";
import { useRefreshSalesforce } from "./use-salesforce";

const NONE = "__none__";

/** Initial field mappings: remap, break, and choose the direction per field, until the sync starts. */
export function MappingsStep({ connection }: { connection: ConnectionView }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const mappings = useQuery(trpc.salesforce.mappings.queryOptions());
  const accept = useMutation(trpc.salesforce.acceptMappings.mutationOptions({ onSuccess: refresh }));
  const data = mappings.data;
  if (!data) return mappings.error ? <p className="text-sm text-destructive">{errorInfo(mappings.error).message}</p> : null;
  const editable = data.editable && connection.canEdit;
  return (
    <div className="grid gap-4">
      {!data.editable && data.lockedNote ? (
        <Alert>
          <Lock aria-hidden />
          <AlertDescription data-testid="mappings-locked">{data.lockedNote}</AlertDescription>
        </Alert>
      ) : null}
      <Tabs defaultValue={data.entities[0]?.id}>
        <TabsList aria-label="Ferry records">
          {data.entities.map((e) => (
            <TabsTrigger key={e.id} value={e.id}>
              {e.label}
              <span className="ml-1 text-xs text-muted-foreground">from {e.sources.join(" + ")}</span>
            </TabsTrigger>
          ))}
        </TabsList>
        {data.entities.map((e) => (
          <TabsContent key={e.id} value={e.id}>
            <EntityMappings data={data} entity={e.id} editable={editable} />
          </TabsContent>
        ))}
      </Tabs>
      {editable && connection.state === "confirmed" ? (
        <div className="flex flex-wrap items-center gap-3">
          <Button type="button" pending={accept.isPending} onClick={() => accept.mutate(undefined)}>
            Use these mappings
          </Button>
          <span className="text-[13px] text-muted-foreground">You can still change them until you start the sync.</span>
        </div>
      ) : null}
      {accept.error ? <p className="text-sm text-destructive">{errorInfo(accept.error).message}</p> : null}
    </div>
  );
}

function EntityMappings({ data, entity, editable }: { data: MappingsView; entity: string; editable: boolean }) {
  // Same-named Lead and Contact fields side by side: together they feed one Person field.
  const rows = data.fields.filter((f) => f.entity === entity).sort((a, b) => a.sfField.localeCompare(b.sfField) || a.object.localeCompare(b.object));
  const options = useMemo(() => data.ferryFields.filter((f) => f.entity === entity), [data.ferryFields, entity]);
  return (
    <div
      className="max-h-[30rem] overflow-auto rounded-lg border [contain:inline-size]"
      tabIndex={0}
      role="region"
      aria-label={`${entity} mappings, scrollable`}
    >
      <Table aria-label={`${entity} mappings`}>
        <TableHeader>
          <TableRow>
            <TableHead>Salesforce field</TableHead>
            <TableHead>Type</TableHead>
            <TableHead className="min-w-52">Ferry field</TableHead>
            <TableHead className="min-w-44">Direction</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row) => (
            <MappingRow key={`${row.object}.${row.sfField}`} row={row} options={options} editable={editable} />
          ))}
        </TableBody>
      </Table>
    </div>
  );
}

type Row = MappingsView["fields"][number];

function MappingRow({ row, options, editable }: { row: Row; options: MappingsView["ferryFields"]; editable: boolean }) {
  const trpc = useTRPC();
  const refresh = useRefreshSalesforce();
  const [error, setError] = useState<string>();
  const update = useMutation(
    trpc.salesforce.updateMapping.mutationOptions({
      onSuccess: async () => {
        setError(undefined);
        await refresh();
      },
      onError: (e) => setError(errorInfo(e).message),
    }),
  );
  const key = `${row.object}.${row.sfField}`;
  const ferryLabel = options.find((o) => o.id === row.ferryField)?.label;
  const change = (ferryField: string | null, direction: "pull" | "two_way") =>
    update.mutate({ object: row.object, sfField: row.sfField, ferryField, direction });
  return (
    <TableRow data-testid={`mapping-${key}`}>
      <TableCell>
        <span className="block text-sm">{row.label}</span>
        <span className="font-mono text-xs text-muted-foreground">{key}</span>
        {error ? (
          <span role="alert" className="mt-1 flex items-start gap-1 text-[13px] text-destructive">
            <CircleAlert className="mt-0.5 size-3.5 shrink-0" aria-hidden />
            {error}
          </span>
        ) : null}
      </TableCell>
      <TableCell className="text-xs">{row.type}</TableCell>
      <TableCell>
        {editable ? (
          <Select value={row.ferryField ?? NONE} onValueChange={(value) => change(value === NONE ? null : value, row.direction ?? "pull")}>
            <SelectTrigger aria-label={`Ferry field for ${key}`} className="h-8">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={NONE}>Not mapped</SelectItem>
              {options.map((o) => (
                <SelectItem key={o.id} value={o.id}>
                  {o.label}
                  {o.custom ? " (custom)" : ""}
                </SelectItem>
              ))}
            </SelectContent>
          </Select>
        ) : (
          <span className="text-sm">{ferryLabel ?? <span className="text-muted-foreground">Not mapped</span>}</span>
        )}
      </TableCell>
      <TableCell>
        {row.ferryField === null ? null : editable ? (
          <Select value={row.direction ?? "pull"} onValueChange={(value) => change(row.ferryField, value as "pull" | "two_way")}>
            <SelectTrigger aria-label={`Direction for ${key}`} className="h-8">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="pull">Salesforce → Ferry</SelectItem>
              <SelectItem value="two_way">Two-way</SelectItem>
            </SelectContent>
          </Select>
        ) : (
          <span className="inline-flex items-center gap-1.5 text-sm">
            {row.direction === "two_way" ? <ArrowLeftRight className="size-3.5" aria-hidden /> : <ArrowRight className="size-3.5" aria-hidden />}
            {row.direction === "two_way" ? "Two-way" : "Salesforce → Ferry"}
          </span>
        )}
      </TableCell>
    </TableRow>
  );
}
