"use client";

import { useState } from "react";
import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ArrowLeft, CircleAlert, ExternalLink, Pencil } from "lucide-react";
import { useRealtimeEvent } from "@/lib/realtime";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { hasRole } from "@/lib/session";
import { formatDateTime, formatRelative } from "@/lib/utils";
import { useActiveTenant } from "@/components/shell/tenant-context";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";

type Value = string | number | boolean | null;
const pushLabel: Record<string, string> = { queued: "Queued", in_flight: "Sending", succeeded: "Pushed", failed: "Failed", conflict: "Conflict" };
const pushVariant = (s: string) => (s === "succeeded" ? "success" : s === "failed" || s === "conflict" ? "destructive" : "warning");

function show(v: Value): string {
  if (v === null || v === "") return "—";
  if (typeof v === "boolean") return v ? "Yes" : "No";
  return String(v);
}

function parse(type: string, text: string, before: Value): Value {
  if (text.trim() === "") return null;
  if (["int", "double", "currency", "percent"].includes(type) || typeof before === "number") {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (type === "boolean" || typeof before === "boolean") return /^(true|yes|1)$/i.test(text.trim());
  return text;
}

/** A field's value as the edit box holds it. */
function shownValue(value: Value): string {
  return value === null ? "" : String(value);
}

/** A synced record: every field, its Salesforce link, sync state, and edits of two-way fields as pushes. */
export function RecordDetail({ object, sfId }: { object: string; sfId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { tenant } = useActiveTenant();
  const canEdit = hasRole(tenant.role, "admin");
  const record = useQuery({
    ...trpc.record.view.queryOptions({ object, sfId }),
    // A queued push settles in the background; look again until it has.
    refetchInterval: (q) => (q.state.data?.pushes.some((p) => p.state === "queued" || p.state === "in_flight") ? 2000 : false),
  });
  useRealtimeEvent("sync.progress", () => void queryClient.invalidateQueries(trpc.record.view.queryFilter({ object, sfId })));
  useRealtimeEvent("sync.stream", (event) => {
    if (event.applied) void queryClient.invalidateQueries(trpc.record.view.queryFilter({ object, sfId }));
  });
  const [draft, setDraft] = useState<Record<string, string> | null>(null);
  const edit = useMutation(
    trpc.record.edit.mutationOptions({
      onSuccess: async (push) => {
        setDraft(null);
        toast.success("Queued for Salesforce", "The change is pushed by the sync; its outcome shows below.");
        // Shown as queued at once: the push run may settle it before the record is read again.
        queryClient.setQueryData(trpc.record.view.queryKey({ object, sfId }), (current) =>
          current && !current.pushes.some((p) => p.id === push.id) ? { ...current, pushes: [push, ...current.pushes] } : current,
        );
        await queryClient.invalidateQueries(trpc.record.view.queryFilter({ object, sfId }));
      },
    }),
  );
  if (record.isPending) return <Skeleton className="h-96" />;
  if (record.isError)
    return (
      <Alert variant="destructive">
        <CircleAlert aria-hidden />
        <AlertTitle>Record not available</AlertTitle>
        <AlertDescription>{errorInfo(record.error).message}</AlertDescription>
      </Alert>
    );
  const r = record.data;
  const editable = r.fields.filter((f) => f.editable);
  const editError = edit.error ? errorInfo(edit.error) : null;
  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <Link href="/records" className="inline-flex items-center gap-1 text-sm text-muted-foreground hover:text-foreground">
            <ArrowLeft className="size-4" aria-hidden />
            Records
          </Link>
          <h1 className="mt-2 text-2xl font-semibold tracking-tight">{r.name}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
            <Badge variant="outline">{r.object}</Badge>
            <span className="font-mono">{r.sfId}</span>
            {r.isDeleted ? <Badge variant="destructive">Deleted in Salesforce{r.deletedAt ? ` ${formatRelative(r.deletedAt)}` : ""}</Badge> : null}
            {r.convertedToId ? (
              <Link className="text-primary underline-offset-4 hover:underline" href={`/records/Contact/${r.convertedToId}`}>
                Converted to a Contact
              </Link>
            ) : null}
          </p>
          <p className="mt-1 text-sm text-muted-foreground">
            Last synced {formatDateTime(r.syncedAt)}
            {r.systemModstamp ? ` · changed in Salesforce ${formatDateTime(r.systemModstamp)}` : ""}
          </p>
        </div>
        {r.salesforceUrl ? (
          <Button asChild variant="outline">
            <a href={r.salesforceUrl} target="_blank" rel="noreferrer">
              Open in Salesforce
              <ExternalLink aria-hidden />
              <span className="sr-only"> (opens in a new tab)</span>
            </a>
          </Button>
        ) : null}
      </div>

      {r.errors.length > 0 ? (
        <Alert variant="destructive">
          <CircleAlert aria-hidden />
          <AlertTitle>Sync errors on this record</AlertTitle>
          <AlertDescription>
            <ul className="grid gap-1">
              {r.errors.map((e) => (
                <li key={e.id}>
                  <span className="font-medium">{e.explanation.title}</span> ({e.code}): {e.message}
                </li>
              ))}
            </ul>
            <Link className="underline underline-offset-4" href="/errors">
              Retry or ignore under Errors
            </Link>
          </AlertDescription>
        </Alert>
      ) : null}

      {editable.length > 0 ? (
        <Card>
          <CardHeader>
            <CardTitle>Two-way fields</CardTitle>
            <CardDescription>Changes here are pushed to Salesforce; Ferry shows the new value once Salesforce has accepted it.</CardDescription>
          </CardHeader>
          <CardContent>
            <form
              aria-label="Edit two-way fields"
              className="grid gap-4"
              onSubmit={(e) => {
                e.preventDefault();
                if (!draft) return;
                const changes: Record<string, Value> = {};
                for (const f of editable)
                  if (f.name in draft && draft[f.name] !== shownValue(f.value)) changes[f.name] = parse(f.type, draft[f.name]!, f.value);
                if (Object.keys(changes).length > 0) edit.mutate({ object, sfId, changes });
              }}
            >
              {editError ? (
                <p role="alert" className="text-sm text-destructive">
                  {editError.message}
                </p>
              ) : null}
              <div className="grid gap-4 sm:grid-cols-2">
                {editable.map((f) => (
                  <div key={f.name} className="grid gap-1.5">
                    <label htmlFor={`field-${f.name}`} className="text-sm font-medium">
                      {f.label}
                    </label>
                    {draft ? (
                      <Input
                        id={`field-${f.name}`}
                        value={draft[f.name] ?? ""}
                        onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
                        aria-invalid={Boolean(editError?.fields[`changes.${f.name}`])}
                      />
                    ) : (
                      <p id={`field-${f.name}`} className="min-h-9 rounded-md border border-transparent py-2 text-sm">
                        {show(f.value)}
                      </p>
                    )}
                  </div>
                ))}
              </div>
              {canEdit && !r.isDeleted ? (
                <div className="flex gap-2">
                  {/* Keys keep Edit and Save apart: a button that turned into a submit button while
                      its own click was handled would submit the untouched form at once. */}
                  {draft ? (
                    <>
                      <Button
                        key="save"
                        type="submit"
                        pending={edit.isPending}
                        disabled={!editable.some((f) => f.name in draft && draft[f.name] !== shownValue(f.value))}
                      >
                        Save and push
                      </Button>
                      <Button
                        key="cancel"
                        type="button"
                        variant="ghost"
                        onClick={() => {
                          setDraft(null);
                          edit.reset();
                        }}
                      >
                        Cancel
                      </Button>
                    </>
                  ) : (
                    <Button
                      key="edit"
                      type="button"
                      variant="outline"
                      onClick={() => {
                        edit.reset();
                        setDraft(Object.fromEntries(editable.map((f) => [f.name, shownValue(f.value)])));
                      }}
                    >
                      <Pencil aria-hidden />
                      Edit
                    </Button>
                  )}
                </div>
              ) : null}
            </form>
          </CardContent>
        </Card>
      ) : null}

      {r.pushes.length > 0 ? (
        <Card>
          <CardHeader>
            <CardTitle>Pushes to Salesforce</CardTitle>
          </CardHeader>
          <CardContent>
            <ul className="grid gap-2 text-sm" aria-label="Pushes">
              {r.pushes.map((p) => (
                <li key={p.id} className="flex flex-wrap items-center gap-2" data-testid="push" data-state={p.state}>
                  <Badge variant={pushVariant(p.state)}>{pushLabel[p.state] ?? p.state}</Badge>
                  <span>
                    {Object.entries(p.changes)
                      .map(([k, v]) => `${k} → ${show(v as Value)}`)
                      .join(", ")}
                  </span>
                  <span className="text-muted-foreground">{formatRelative(p.updatedAt)}</span>
                  {p.errorMessage ? (
                    <span className="text-destructive">
                      {p.errorCode}: {p.errorMessage}
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          </CardContent>
        </Card>
      ) : null}

      <Card>
        <CardHeader>
          <CardTitle>All synced fields</CardTitle>
        </CardHeader>
        <CardContent>
          <dl className="grid gap-x-6 gap-y-3 sm:grid-cols-2 lg:grid-cols-3">
            {r.fields.map((f) => (
              <div key={f.name} className="min-w-0">
                <dt className="text-xs text-muted-foreground">
                  {f.label} <span className="font-mono">({f.name})</span>
                </dt>
                <dd className="truncate text-sm" title={show(f.value)}>
                  {show(f.value)}
                </dd>
              </div>
            ))}
          </dl>
        </CardContent>
      </Card>
    </div>
  );
}
