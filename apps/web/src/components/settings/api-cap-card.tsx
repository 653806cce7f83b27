"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, Gauge } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { formatDateTime } from "@/lib/utils";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Figure } from "@/components/ui/figure";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { toast } from "@/components/ui/toast";

const number = new Intl.NumberFormat();

/**
 * Ferry's daily Salesforce API cap for this tenant, with the day's usage and where the current pace
 * leads. Owners and admins set it (or none); others read it.
 */
export function ApiCapCard({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const usage = useQuery(trpc.chart.sync.queryOptions({ days: 1 }));
  const connection = useQuery(trpc.salesforce.connection.queryOptions());
  const [draft, setDraft] = useState<{ mode: "none" | "calls"; calls: string } | null>(null);
  const save = useMutation(
    trpc.salesforce.setApiCap.mutationOptions({
      async onSuccess(result) {
        setDraft(null);
        toast.success(
          result.cap === null ? "No API cap of your own: Ferry stops at half the org's limit." : `API cap set to ${number.format(result.cap)} calls a day.`,
        );
        await queryClient.invalidateQueries(trpc.chart.pathFilter());
      },
    }),
  );
  const api = usage.data?.api;
  const connected = connection.data ? connection.data.state !== "not_connected" : false;
  const current = draft ?? { mode: api?.cap === null || api?.cap === undefined ? "none" : "calls", calls: api?.cap ? String(api.cap) : "" };
  const failure = save.error ? errorInfo(save.error) : null;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (current.mode === "none") return save.mutate({ cap: null });
    const calls = Number(current.calls.replace(/[,\s]/g, ""));
    save.mutate({ cap: Number.isFinite(calls) && current.calls.trim() !== "" ? calls : Number.NaN });
  };

  return (
    <Card data-testid="api-cap">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <Gauge className="size-4" aria-hidden />
          Salesforce API cap
        </CardTitle>
        <CardDescription>
          Ferry pauses the sync when the org's API calls over the last 24 hours reach this cap, and carries on by itself once the 24-hour window frees calls;
          owners and admins are notified. Without a cap of your own Ferry stops at half the org's daily limit.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-5">
        {!api ? (
          <Skeleton className="h-24" />
        ) : (
          <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4" aria-label="API usage">
            <Figure label="Used (24 h)" testId="cap-used">
              {api.used === null ? "not read yet" : number.format(api.used)}
            </Figure>
            <Figure label="Cap in force" testId="cap-effective" note={api.cap === null ? "half the org's limit" : "set here"}>
              {api.effectiveCap === null ? "—" : number.format(api.effectiveCap)}
            </Figure>
            <Figure label="Org limit">{api.orgLimit === null ? "—" : number.format(api.orgLimit)}</Figure>
            <Figure label="Projection" testId="cap-projection" words note={`${number.format(api.callsPerHour)} calls/h lately`}>
              {api.capReached
                ? "Cap reached: sync paused"
                : api.projectedCapAt
                  ? `Cap at ${formatDateTime(api.projectedCapAt)}`
                  : api.callsPerHour === 0
                    ? "No calls lately"
                    : "Well within the cap"}
            </Figure>
          </dl>
        )}
        {!canEdit ? (
          <p className="text-sm text-muted-foreground">Owners and admins set the cap.</p>
        ) : !connected ? (
          <p className="text-sm text-muted-foreground">Connect Salesforce under Admin &gt; Salesforce first; the cap applies to the org's API calls.</p>
        ) : (
          <form className="grid gap-4" onSubmit={submit} aria-label="Set the API cap">
            <fieldset className="grid gap-2">
              <legend className="mb-1 text-sm font-medium">Daily cap</legend>
              <label className="flex items-center gap-2 text-sm">
                <input
                  type="radio"
                  name="cap-mode"
                  className="size-4"
                  checked={current.mode === "none"}
                  onChange={() => setDraft({ ...current, mode: "none" })}
                />
                No cap of our own (half the org's limit)
              </label>
              <label className="flex items-center gap-2 text-sm">
                <input
                  type="radio"
                  name="cap-mode"
                  className="size-4"
                  checked={current.mode === "calls"}
                  onChange={() => setDraft({ ...current, mode: "calls" })}
                />
                A cap of our own
              </label>
            </fieldset>
            {current.mode === "calls" ? (
              <Field
                label="API calls per 24 hours"
                error={failure ? (failure.fields.cap ?? failure.message) : undefined}
                hint={api?.orgLimit ? `At most the org's limit of ${number.format(api.orgLimit)}.` : undefined}
              >
                {(control) => (
                  <Input
                    {...control}
                    inputMode="numeric"
                    className="max-w-48"
                    value={current.calls}
                    onChange={(e) => setDraft({ ...current, calls: e.target.value })}
                  />
                )}
              </Field>
            ) : null}
            {failure && current.mode === "none" ? (
              <Alert variant="destructive">
                <CircleAlert aria-hidden />
                <AlertDescription>{failure.message}</AlertDescription>
              </Alert>
            ) : null}
            <div>
              <Button type="submit" pending={save.isPending} disabled={draft === null}>
                Save cap
              </Button>
            </div>
          </form>
        )}
      </CardContent>
    </Card>
  );
}
