import { gte, inArray, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { pushQueue, salesforceConnections, syncRunObjects, syncRuns, syncStates, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

/** `days`: that many days in hours; without it the period that has data (minutes around a recent run). */
export const chartsInput = z.object({ days: z.number().int().min(1).max(14).optional() });

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const STEPS = [1, 2, 5, 10, 15, 30].map((m) => m * MINUTE);
/** A run that started within this long ago, or still runs, is charted in minutes. */
const RECENT = 3 * HOUR;

/** The period with data: the recent run in minutes, else the shortest of 1, 3, 7, 14 days that holds a run. */
function choosePeriod(now: number, runStarts: { startedAt: Date; finishedAt: Date | null }[]): { from: number; bucketMs: number; days: number | null } {
  const recent = runStarts.filter((r) => !r.finishedAt || now - r.finishedAt.getTime() < RECENT).map((r) => r.startedAt.getTime());
  const start = recent.length ? Math.min(...recent) : undefined;
  if (start !== undefined && now - start < RECENT) {
    const span = Math.max(10 * MINUTE, now - start + MINUTE);
    const bucketMs = STEPS.find((step) => span / step <= 60) ?? 30 * MINUTE;
    return { from: Math.floor((now - span) / bucketMs) * bucketMs, bucketMs, days: null };
  }
  const latest = Math.max(0, ...runStarts.map((r) => (r.finishedAt ?? new Date(now)).getTime()));
  const days = [1, 3, 7, 14].find((d) => now - latest < d * DAY) ?? 14;
  return { from: Math.floor((now - days * DAY) / HOUR) * HOUR, bucketMs: HOUR, days };
}

interface Span {
  startedAt: Date;
  finishedAt: Date | null;
}

/**
 * Counters are committed per run object, not per bucket, so each object's work is spread evenly
 * over the time it ran: exact for totals, smoothed within a run.
 */
function spread(span: Span, amount: number, from: number, now: number, bucketMs: number, add: (index: number, value: number) => void) {
  const start = span.startedAt.getTime();
  const end = Math.max(start + 1, (span.finishedAt ?? new Date(now)).getTime());
  for (let b = from + Math.max(0, Math.floor((start - from) / bucketMs)) * bucketMs; b < end && b < now; b += bucketMs) {
    const overlap = Math.min(end, b + bucketMs) - Math.max(start, b);
    if (overlap > 0) add(Math.floor((b - from) / bucketMs), (amount * overlap) / (end - start));
  }
}

/**
 * Throughput and API calls per bucket (minutes around a recent run, else hours), backlog per
 * object, and API calls against the tenant's cap and the org's limit.
 */
export async function viewSyncCharts({ ctx, input }: { ctx: TenantContext; input: z.input<typeof chartsInput> }) {
  requireRole(ctx, "viewer");
  const parsed = chartsInput.parse(input);
  const now = Date.now();
  const period = await withTenant(ctx, async (tx) => {
    if (parsed.days !== undefined) return { from: Math.floor((now - parsed.days * DAY) / HOUR) * HOUR, bucketMs: HOUR, days: parsed.days };
    const starts = await tx
      .select({ startedAt: syncRuns.startedAt, finishedAt: syncRuns.finishedAt })
      .from(syncRuns)
      .where(or(gte(syncRuns.startedAt, new Date(now - 14 * DAY)), isNull(syncRuns.finishedAt)));
    return choosePeriod(now, starts);
  });
  const { from, bucketMs } = period;
  const since = new Date(from);
  const day = new Date(now - DAY);
  const data = await withTenant(ctx, async (tx) => ({
    objects: await tx
      .select({
        object: syncRunObjects.object,
        total: syncRunObjects.total,
        processed: syncRunObjects.processed,
        failed: syncRunObjects.failed,
        status: syncRunObjects.status,
        apiCalls: syncRunObjects.apiCalls,
        startedAt: syncRunObjects.startedAt,
        finishedAt: syncRunObjects.finishedAt,
      })
      .from(syncRunObjects)
      .where(or(gte(syncRunObjects.startedAt, since), isNull(syncRunObjects.finishedAt), gte(syncRunObjects.finishedAt, since))),
    runs: await tx
      .select({ apiCalls: syncRuns.apiCalls, startedAt: syncRuns.startedAt, finishedAt: syncRuns.finishedAt })
      .from(syncRuns)
      .where(or(gte(syncRuns.startedAt, since < day ? since : day), isNull(syncRuns.finishedAt), gte(syncRuns.finishedAt, since < day ? since : day))),
    pushes: await tx
      .select({ object: pushQueue.object, count: sql<number>`count(*)::int` })
      .from(pushQueue)
      .where(inArray(pushQueue.state, ["queued", "in_flight"]))
      .groupBy(pushQueue.object),
    state: (await tx.select().from(syncStates).limit(1))[0],
    connection: (
      await tx.select({ cap: salesforceConnections.apiDailyCap, orgLimit: salesforceConnections.apiDailyLimit }).from(salesforceConnections).limit(1)
    )[0],
  }));

  const hours = Math.ceil((now - from) / bucketMs);
  const throughput = Array.from({ length: hours }, (_, i) => ({ hour: new Date(from + i * bucketMs).toISOString(), processed: 0, failed: 0, apiCalls: 0 }));
  const objectNames = [...new Set(data.objects.map((o) => o.object))].sort();
  const backlog = throughput.map((t) => ({ hour: t.hour, values: Object.fromEntries(objectNames.map((name) => [name, 0])) as Record<string, number> }));

  for (const o of data.objects) {
    spread(o, o.processed, from, now, bucketMs, (i, v) => void (throughput[i] && (throughput[i].processed += v)));
    spread(o, o.failed, from, now, bucketMs, (i, v) => void (throughput[i] && (throughput[i].failed += v)));
    if (o.total === null) continue;
    // Remaining work at the end of each hour the object was open, assuming an even pace within it.
    const start = o.startedAt.getTime();
    const end = (o.finishedAt ?? new Date(now)).getTime();
    for (let i = 0; i < hours; i++) {
      const hourEnd = from + (i + 1) * bucketMs;
      if (hourEnd <= start) continue;
      if (o.finishedAt && hourEnd > end + bucketMs) break;
      const fraction = end <= start ? 1 : Math.min(1, (Math.min(hourEnd, end) - start) / (end - start));
      backlog[i]!.values[o.object]! += Math.max(0, Math.round(o.total - o.processed * fraction));
    }
  }
  // Ferry's own calls of the last 24 hours, per hour; the pace is the last three hours'.
  const perHour = Array.from({ length: 24 }, () => 0);
  for (const r of data.runs) {
    spread(r, r.apiCalls, from, now, bucketMs, (i, v) => void (throughput[i] && (throughput[i].apiCalls += v)));
    spread(r, r.apiCalls, now - DAY, now, HOUR, (i, v) => void (i < 24 && (perHour[i]! += v)));
  }
  const ferryCalls = Math.round(perHour.reduce((a, b) => a + b, 0));
  const callsPerHour = perHour.slice(-3).reduce((a, b) => a + b, 0) / 3;
  // Salesforce's count (all of the org's clients) as last read, and never below Ferry's own calls
  // since: a run's calls so far are in it before the engine reads the org's figure again.
  const orgUsed = data.state?.apiUsed ?? null;
  const used = orgUsed === null ? (ferryCalls > 0 ? ferryCalls : null) : Math.max(orgUsed, ferryCalls);
  const cap = data.connection?.cap ?? null;
  const orgLimit = data.state?.apiLimit ?? data.connection?.orgLimit ?? null;
  // Without a cap of its own the engine stops at half the org's limit (ApiBudget's default).
  const effectiveCap = cap ?? (orgLimit === null ? null : Math.floor(orgLimit / 2));
  const ceiling = effectiveCap ?? orgLimit;
  const projectedCapAt =
    used !== null && ceiling !== null && callsPerHour > 0 ? new Date(now + Math.max(0, (ceiling - used) / callsPerHour) * HOUR).toISOString() : null;

  return {
    from: since.toISOString(),
    to: new Date(now).toISOString(),
    bucketMinutes: bucketMs / MINUTE,
    days: period.days,
    throughput: roundKeepingSums(throughput),
    objects: objectNames,
    backlog,
    pushBacklog: data.pushes,
    api: {
      used,
      orgUsed,
      ferryCalls,
      cap,
      effectiveCap,
      orgLimit,
      checkedAt: data.state?.apiCheckedAt?.toISOString() ?? null,
      callsPerHour: Math.round(callsPerHour),
      projectedCapAt,
      capReached: data.state?.state === "api_capped",
      orgLimitReached: data.state?.state === "org_limited",
    },
  };
}

/** Whole numbers per bucket whose sums are the exact totals (rounded running sums, differenced). */
function roundKeepingSums<T extends { processed: number; failed: number; apiCalls: number }>(rows: T[]): T[] {
  const sums = { processed: 0, failed: 0, apiCalls: 0 };
  const shown = { processed: 0, failed: 0, apiCalls: 0 };
  return rows.map((row) => {
    const out = { ...row };
    for (const key of ["processed", "failed", "apiCalls"] as const) {
      sums[key] += row[key];
      const next = Math.round(sums[key]);
      out[key] = next - shown[key];
      shown[key] = next;
    }
    return out;
  });
}
