"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { formatDateTime } from "@/lib/utils";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Figure } from "@/components/ui/figure";
import { Skeleton } from "@/components/ui/skeleton";
import { isActive } from "@/components/sync/run-model";
import { useRun } from "@/components/sync/run-store";

const number = new Intl.NumberFormat();
const hourLabel = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "numeric" });
const minuteLabel = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const AUTO = "auto";

function per(minutes: number): string {
  return minutes >= 60 ? "hour" : minutes === 1 ? "minute" : `${minutes} minutes`;
}
const PALETTE = [
  "oklch(0.55 0.17 262)",
  "oklch(0.62 0.15 155)",
  "oklch(0.7 0.14 65)",
  "oklch(0.58 0.2 25)",
  "oklch(0.55 0.15 300)",
  "oklch(0.6 0.1 200)",
  "oklch(0.5 0.05 260)",
  "oklch(0.65 0.16 120)",
];

type Api = {
  used: number | null;
  orgUsed: number | null;
  ferryCalls: number;
  cap: number | null;
  effectiveCap: number | null;
  orgLimit: number | null;
  callsPerHour: number;
  projectedCapAt: string | null;
  checkedAt: string | null;
  capReached: boolean;
  orgLimitReached: boolean;
};

function ApiUsage({ api }: { api: Api }) {
  const ceiling = api.effectiveCap ?? api.orgLimit;
  const share = api.used !== null && ceiling ? Math.min(100, Math.round((api.used / ceiling) * 100)) : null;
  return (
    <div className="grid gap-3" data-testid="api-usage">
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
        <Figure label="Used (24 h)">{api.used === null ? "—" : number.format(api.used)}</Figure>
        <Figure label="Ferry's cap" note={api.cap === null ? "half the org's limit" : "set in Settings"}>
          {api.effectiveCap === null ? "—" : number.format(api.effectiveCap)}
        </Figure>
        <Figure label="Org limit">{api.orgLimit === null ? "—" : number.format(api.orgLimit)}</Figure>
        <Figure label="Pace">{number.format(api.callsPerHour)}/h</Figure>
      </dl>
      {share !== null ? (
        <div
          role="meter"
          aria-label="API calls used against the cap"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={share}
          className="h-2.5 overflow-hidden rounded-full bg-muted"
        >
          <div className={share >= 90 ? "h-full bg-destructive" : share >= 70 ? "h-full bg-warning" : "h-full bg-primary"} style={{ width: `${share}%` }} />
        </div>
      ) : null}
      <p className="text-sm text-muted-foreground">
        {api.orgLimitReached
          ? "Salesforce's own org API limit is reached (REQUEST_LIMIT_EXCEEDED): sync waits until the org's 24-hour window frees calls."
          : api.capReached
            ? "The cap is reached: sync waits until calls free up."
            : api.projectedCapAt
              ? `At the current pace the ${api.effectiveCap !== null ? "cap" : "org limit"} would be reached ${formatDateTime(api.projectedCapAt)}.`
              : api.used === null
                ? "No API calls in the last 24 hours."
                : "No calls in the last hours: no projection."}
        {api.orgUsed === null
          ? api.ferryCalls > 0
            ? ` Ferry's own ${number.format(api.ferryCalls)} calls; the org's total is read from Salesforce when a run ends.`
            : ""
          : ` Ferry made ${number.format(api.ferryCalls)} of them.${api.checkedAt ? ` Org total read from Salesforce ${formatDateTime(api.checkedAt)}.` : ""}`}
      </p>
    </div>
  );
}

function NoActivity() {
  return <p className="grid h-full place-items-center text-center text-sm text-muted-foreground">No records were synced in this period.</p>;
}

/** Throughput per hour, backlog per object, API calls against the cap, from the tenant's run counters. */
export function SyncCharts() {
  const trpc = useTRPC();
  // By default the period that has data: minutes around a recent or running run, else days.
  const [days, setDays] = useState<number | null>(null);
  const { run } = useRun();
  const moving = isActive(run?.status);
  const charts = useQuery({ ...trpc.chart.sync.queryOptions(days === null ? {} : { days }), refetchInterval: moving ? 5_000 : 60_000 });
  const data = charts.data;
  const minutes = data?.bucketMinutes ?? 60;
  const tick = (v: string) => (minutes < 60 ? minuteLabel : hourLabel).format(new Date(v));
  const empty = data ? data.throughput.every((t) => t.processed === 0 && t.failed === 0 && t.apiCalls === 0) && !moving : false;
  return (
    <section className="grid gap-4" aria-labelledby="charts-title" data-testid="sync-charts" data-bucket-minutes={data?.bucketMinutes} data-from={data?.from}>
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="charts-title" className="text-lg font-semibold tracking-tight">
          Throughput and API usage
        </h2>
        <div className="w-40">
          <Select value={days === null ? AUTO : String(days)} onValueChange={(v) => setDays(v === AUTO ? null : Number(v))}>
            <SelectTrigger aria-label="Chart period">
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value={AUTO}>Latest activity</SelectItem>
              <SelectItem value="1">Last 24 hours</SelectItem>
              <SelectItem value="3">Last 3 days</SelectItem>
              <SelectItem value="7">Last 7 days</SelectItem>
              <SelectItem value="14">Last 14 days</SelectItem>
            </SelectContent>
          </Select>
        </div>
      </div>
      {charts.isError ? <p className="text-sm text-destructive">{errorInfo(charts.error).message}</p> : null}
      <div className="grid gap-4 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Throughput</CardTitle>
            <CardDescription>
              Records processed and failed per {per(minutes)}
              {moving ? ", the running sync included" : ""}.
            </CardDescription>
          </CardHeader>
          <CardContent className="h-64">
            {!data ? (
              <Skeleton className="h-full" />
            ) : empty ? (
              <NoActivity />
            ) : (
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={data.throughput} margin={{ left: 4, right: 8 }} accessibilityLayer>
                  <CartesianGrid vertical={false} strokeDasharray="3 3" />
                  <XAxis dataKey="hour" tickFormatter={tick} minTickGap={32} fontSize={12} />
                  <YAxis tickFormatter={(v: number) => number.format(v)} width={56} fontSize={12} />
                  <Tooltip labelFormatter={(v) => formatDateTime(String(v))} formatter={(v) => number.format(Number(v))} />
                  <Legend />
                  <Bar dataKey="processed" name="Processed" fill={PALETTE[0]} />
                  <Bar dataKey="failed" name="Failed" fill={PALETTE[3]} />
                </BarChart>
              </ResponsiveContainer>
            )}
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Backlog per object</CardTitle>
            <CardDescription>Records still to process at the end of each {per(minutes)}.</CardDescription>
          </CardHeader>
          <CardContent className="h-64">
            {!data ? (
              <Skeleton className="h-full" />
            ) : empty ? (
              <NoActivity />
            ) : (
              <ResponsiveContainer width="100%" height="100%">
                <AreaChart data={data.backlog.map((b) => ({ hour: b.hour, ...b.values }))} margin={{ left: 4, right: 8 }} accessibilityLayer>
                  <CartesianGrid vertical={false} strokeDasharray="3 3" />
                  <XAxis dataKey="hour" tickFormatter={tick} minTickGap={32} fontSize={12} />
                  <YAxis tickFormatter={(v: number) => number.format(v)} width={56} fontSize={12} />
                  <Tooltip labelFormatter={(v) => formatDateTime(String(v))} formatter={(v) => number.format(Number(v))} />
                  <Legend />
                  {data.objects.map((object, i) => (
                    <Area
                      key={object}
                      type="monotone"
                      dataKey={object}
                      stackId="backlog"
                      stroke={PALETTE[i % PALETTE.length]}
                      fill={PALETTE[i % PALETTE.length]}
                      fillOpacity={0.25}
                    />
                  ))}
                </AreaChart>
              </ResponsiveContainer>
            )}
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Salesforce API calls</CardTitle>
            <CardDescription>Calls per {per(minutes)} by Ferry, and the day's usage against the tenant's cap and the org's limit.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4">
            {!data ? (
              <Skeleton className="h-48" />
            ) : (
              <>
                <ApiUsage api={data.api} />
                <div className="h-48">
                  <ResponsiveContainer width="100%" height="100%">
                    <BarChart data={data.throughput} margin={{ left: 4, right: 8 }} accessibilityLayer>
                      <CartesianGrid vertical={false} strokeDasharray="3 3" />
                      <XAxis dataKey="hour" tickFormatter={tick} minTickGap={32} fontSize={12} />
                      <YAxis width={56} fontSize={12} />
                      <Tooltip labelFormatter={(v) => formatDateTime(String(v))} />
                      <Bar dataKey="apiCalls" name="API calls" fill={PALETTE[6]} />
                    </BarChart>
                  </ResponsiveContainer>
                </div>
                {data.pushBacklog.length > 0 ? (
                  <p className="text-sm text-muted-foreground">
                    Waiting to push: {data.pushBacklog.map((p) => `${number.format(p.count)} ${p.object}`).join(", ")}.
                  </p>
                ) : null}
              </>
            )}
          </CardContent>
        </Card>
      </div>
    </section>
  );
}
