"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { useTRPC } from "@/lib/trpc";
import { errorInfo } from "@/lib/errors";
import { formatDateTime } from "@/lib/utils";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Skeleton } from "@/components/ui/skeleton";

const number = new Intl.NumberFormat();
const hourLabel = new Intl.DateTimeFormat(undefined, { weekday: "short", hour: "numeric" });
const PALETTE = ["oklch(0.55 0.17 262)", "oklch(0.62 0.15 155)", "oklch(0.7 0.14 65)", "oklch(0.58 0.2 25)", "oklch(0.55 0.15 300)", "oklch(0.6 0.1 200)", "oklch(0.5 0.05 260)", "oklch(0.65 0.16 120)"];

function ApiUsage({ api }: { api: { used: number | null; cap: number | null; orgLimit: number | null; callsPerHour: number; projectedCapAt: string | null; checkedAt: string | null; capReached: boolean; orgLimitReached: boolean } }) {
  const ceiling = api.cap ?? api.orgLimit;
  const share = api.used !== null && ceiling ? Math.min(100, Math.round((api.used / ceiling) * 100)) : null;
  return (
    <div className="grid gap-3" data-testid="api-usage">
      <dl className="grid grid-cols-2 gap-3 text-sm sm:grid-cols-4">
        <div><dt className="text-muted-foreground">Used (24 h)</dt><dd className="text-lg font-semibold tabular-nums">{api.used === null ? "—" : number.format(api.used)}</dd></div>
        <div><dt className="text-muted-foreground">Ferry's cap</dt><dd className="text-lg font-semibold tabular-nums">{api.cap === null ? "none" : number.format(api.cap)}</dd></div>
        <div><dt className="text-muted-foreground">Org limit</dt><dd className="text-lg font-semibold tabular-nums">{api.orgLimit === null ? "—" : number.format(api.orgLimit)}</dd></div>
        <div><dt className="text-muted-foreground">Pace</dt><dd className="text-lg font-semibold tabular-nums">{number.format(api.callsPerHour)}/h</dd></div>
      </dl>
      {share !== null ? (
        <div role="meter" aria-label="API calls used against the cap" aria-valuemin={0} aria-valuemax={100} aria-valuenow={share} className="h-2.5 overflow-hidden rounded-full bg-muted">
          <div className={share >= 90 ? "h-full bg-destructive" : share >= 70 ? "h-full bg-warning" : "h-full bg-primary"} style={{ width: `${share}%` }} />
        </div>
      ) : null}
      <p className="text-sm text-muted-foreground">
        {api.orgLimitReached
          ? "Salesforce's own org API limit is reached (REQUEST_LIMIT_EXCEEDED): sync waits until the org's 24-hour window frees calls."
          : api.capReached
            ? "The cap is reached: sync waits until calls free up."
            : api.projectedCapAt
            ? `At the current pace the ${api.cap !== null ? "cap" : "org limit"} would be reached ${formatDateTime(api.projectedCapAt)}.`
            : api.used === null
              ? "No API usage has been read from Salesforce yet."
              : "No calls in the last hours: no projection."}
        {api.checkedAt ? ` Read from Salesforce ${formatDateTime(api.checkedAt)}.` : ""}
      </p>
    </div>
  );
}

/** Throughput per hour, backlog per object, API calls against the cap, from the tenant's run counters. */
export function SyncCharts() {
  const trpc = useTRPC();
  const [days, setDays] = useState(3);
  const charts = useQuery({ ...trpc.chart.sync.queryOptions({ days }), refetchInterval: 60_000 });
  const data = charts.data;
  return (
    <section className="grid gap-4" aria-labelledby="charts-title" data-testid="sync-charts">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="charts-title" className="text-lg font-semibold tracking-tight">Sync activity</h2>
        <div className="w-36">
          <Select value={String(days)} onValueChange={(v) => setDays(Number(v))}>
            <SelectTrigger aria-label="Chart period"><SelectValue /></SelectTrigger>
            <SelectContent>
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
            <CardTitle>Throughput per hour</CardTitle>
            <CardDescription>Records processed and failed.</CardDescription>
          </CardHeader>
          <CardContent className="h-64">
            {!data ? <Skeleton className="h-full" /> : (
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={data.throughput} margin={{ left: 4, right: 8 }} accessibilityLayer>
                  <CartesianGrid vertical={false} strokeDasharray="3 3" />
                  <XAxis dataKey="hour" tickFormatter={(v: string) => hourLabel.format(new Date(v))} minTickGap={32} fontSize={12} />
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
            <CardDescription>Records still to process at the end of each hour.</CardDescription>
          </CardHeader>
          <CardContent className="h-64">
            {!data ? <Skeleton className="h-full" /> : (
              <ResponsiveContainer width="100%" height="100%">
                <AreaChart data={data.backlog.map((b) => ({ hour: b.hour, ...b.values }))} margin={{ left: 4, right: 8 }} accessibilityLayer>
                  <CartesianGrid vertical={false} strokeDasharray="3 3" />
                  <XAxis dataKey="hour" tickFormatter={(v: string) => hourLabel.format(new Date(v))} minTickGap={32} fontSize={12} />
                  <YAxis tickFormatter={(v: number) => number.format(v)} width={56} fontSize={12} />
                  <Tooltip labelFormatter={(v) => formatDateTime(String(v))} formatter={(v) => number.format(Number(v))} />
                  <Legend />
                  {data.objects.map((object, i) => (
                    <Area key={object} type="monotone" dataKey={object} stackId="backlog" stroke={PALETTE[i % PALETTE.length]} fill={PALETTE[i % PALETTE.length]} fillOpacity={0.25} />
                  ))}
                </AreaChart>
              </ResponsiveContainer>
            )}
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Salesforce API calls</CardTitle>
            <CardDescription>Calls per hour by Ferry, and the day's usage against the tenant's cap and the org's limit.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4">
            {!data ? <Skeleton className="h-48" /> : (
              <>
                <ApiUsage api={data.api} />
                <div className="h-48">
                  <ResponsiveContainer width="100%" height="100%">
                    <BarChart data={data.throughput} margin={{ left: 4, right: 8 }} accessibilityLayer>
                      <CartesianGrid vertical={false} strokeDasharray="3 3" />
                      <XAxis dataKey="hour" tickFormatter={(v: string) => hourLabel.format(new Date(v))} minTickGap={32} fontSize={12} />
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
