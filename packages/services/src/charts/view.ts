import { gte, inArray, isNull, or, sql } from "drizzle-orm";
import { z } from "zod";
import { pushQueue, salesforceConnections, syncRunObjects, syncRuns, syncStates, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

export const chartsInput = z.object({ days: z.number().int().min(1).max(14).default(3) });

const HOUR = 3_600_000;

interface Span {
  startedAt: Date;
  finishedAt: Date | null;
}

/**
 * Counters are committed per run object, not per hour, so each object's work is spread evenly
 * over the time it ran: exact for totals, smoothed within a run.
 */
function spread(span: Span, amount: number, from: number, now: number, add: (hourIndex: number, value: number) => void) {
  const start = span.startedAt.getTime();
  const end = Math.max(start + 1, (span.finishedAt ?? new Date(now)).getTime());
  for (let h = Math.floor(Math.max(start, from) / HOUR) * HOUR; h < end && h < now; h += HOUR) {
    const overlap = Math.min(end, h + HOUR) - Math.max(start, h);
    if (overlap > 0) add(Math.floor((h - from) / HOUR), (amount * overlap) / (end - start));
  }
}

/** Throughput per hour, backlog per object, and API calls against the tenant's cap and the org's limit. */
export async function viewSyncCharts({ ctx, input }: { ctx: TenantContext; input: z.input<typeof chartsInput> }) {
  requireRole(ctx, "viewer");
  const { days } = chartsInput.parse(input);
  const now = Date.now();
  const from = Math.floor((now - days * 24 * HOUR) / HOUR) * HOUR;
  const since = new Date(from);
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
      .where(or(gte(syncRuns.startedAt, since), isNull(syncRuns.finishedAt))),
    pushes: await tx
      .select({ object: pushQueue.object, count: sql<number>`count(*)::int` })
      .from(pushQueue)
      .where(inArray(pushQueue.state, ["queued", "in_flight"]))
      .groupBy(pushQueue.object),
    state: (await tx.select().from(syncStates).limit(1))[0],
    connection: (await tx.select({ cap: salesforceConnections.apiDailyCap, orgLimit: salesforceConnections.apiDailyLimit }).from(salesforceConnections).limit(1))[0],
  }));

  const hours = Math.ceil((now - from) / HOUR);
  const throughput = Array.from({ length: hours }, (_, i) => ({ hour: new Date(from + i * HOUR).toISOString(), processed: 0, failed: 0, apiCalls: 0 }));
  const objectNames = [...new Set(data.objects.map((o) => o.object))].sort();
  const backlog = throughput.map((t) => ({ hour: t.hour, values: Object.fromEntries(objectNames.map((name) => [name, 0])) as Record<string, number> }));

  for (const o of data.objects) {
    spread(o, o.processed, from, now, (i, v) => void (throughput[i] && (throughput[i].processed += v)));
    spread(o, o.failed, from, now, (i, v) => void (throughput[i] && (throughput[i].failed += v)));
    if (o.total === null) continue;
    // Remaining work at the end of each hour the object was open, assuming an even pace within it.
    const start = o.startedAt.getTime();
    const end = (o.finishedAt ?? new Date(now)).getTime();
    for (let i = 0; i < hours; i++) {
      const hourEnd = from + (i + 1) * HOUR;
      if (hourEnd <= start) continue;
      if (o.finishedAt && hourEnd > end + HOUR) break;
      const fraction = end <= start ? 1 : Math.min(1, (Math.min(hourEnd, end) - start) / (end - start));
      backlog[i]!.values[o.object]! += Math.max(0, Math.round(o.total - o.processed * fraction));
    }
  }
  for (const r of data.runs) spread(r, r.apiCalls, from, now, (i, v) => void (throughput[i] && (throughput[i].apiCalls += v)));

  const recent = throughput.slice(-3);
  const callsPerHour = recent.reduce((n, t) => n + t.apiCalls, 0) / Math.max(1, recent.length);
  const used = data.state?.apiUsed ?? null;
  const cap = data.connection?.cap ?? null;
  const orgLimit = data.state?.apiLimit ?? data.connection?.orgLimit ?? null;
  // Without a cap of its own the engine stops at half the org's limit (ApiBudget's default).
  const effectiveCap = cap ?? (orgLimit === null ? null : Math.floor(orgLimit / 2));
  const ceiling = effectiveCap ?? orgLimit;
  const projectedCapAt =
    used !== null && ceiling !== null && callsPerHour > 0 ? new Date(now + Math.max(0, (ceiling - used) / callsPerHour) * HOUR).toISOString() : null;

  return {
    from: since.toISOString(),
    throughput: throughput.map((t) => ({ ...t, processed: Math.round(t.processed), failed: Math.round(t.failed), apiCalls: Math.round(t.apiCalls) })),
    objects: objectNames,
    backlog,
    pushBacklog: data.pushes,
    api: {
      used,
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
