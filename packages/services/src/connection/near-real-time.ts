import { sql } from "drizzle-orm";
import { z } from "zod";
import { cdcMinutes, cdcStreams, salesforceConnections, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { NotFoundError } from "../errors";
import { loadConnection } from "./stored";

export const nearRealTimeInput = z.object({
  enabled: z.boolean({ error: "Choose whether near-real-time sync is on or off." }),
});

/**
 * Near-real-time sync for this tenant (owners and admins): a worker streams Salesforce's change
 * events over the Pub/Sub API and applies them within seconds; the polling cycle drops to an hourly
 * safety net while the stream is live. Turning it off stops the stream at the next heartbeat.
 */
export async function setNearRealTime({ ctx, input }: { ctx: TenantContext; input: z.input<typeof nearRealTimeInput> }) {
  requireRole(ctx, "admin");
  const { enabled } = nearRealTimeInput.parse(input);
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    if (!row) throw new NotFoundError("Connect Salesforce under Admin > Salesforce first; near-real-time sync streams that org's changes.");
    if (row.nearRealTime === enabled) return { enabled };
    await tx.update(salesforceConnections).set({ nearRealTime: enabled, updatedAt: new Date() });
    await recordAudit(tx, ctx, {
      action: "salesforce.near_real_time.update",
      targetType: "salesforce_connection",
      targetId: row.orgId ?? undefined,
      details: { from: row.nearRealTime, to: enabled },
    });
    return { enabled };
  });
}

/** How long without a heartbeat before a stream counts as not held by any worker. */
const LEASE_GRACE_MS = 5_000;

/**
 * The near-real-time stream as the portal shows it: the setting, the stream's state in words, the
 * last streamed change, and per minute over the last hour the changes streamed and their lag
 * (Salesforce commit → Ferry commit).
 */
export async function viewNearRealTime({ ctx, now = new Date() }: { ctx: TenantContext; now?: Date }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    const [stream] = await tx.select().from(cdcStreams).limit(1);
    const since = new Date(now.getTime() - 60 * 60_000);
    const minutes = await tx
      .select({
        minute: cdcMinutes.minute,
        events: cdcMinutes.events,
        records: cdcMinutes.records,
        echoes: cdcMinutes.echoes,
        lagMsSum: cdcMinutes.lagMsSum,
        lagMsMax: cdcMinutes.lagMsMax,
      })
      .from(cdcMinutes)
      .where(sql`${cdcMinutes.minute} >= ${since.toISOString()}::timestamptz`)
      .orderBy(cdcMinutes.minute);
    const enabled = row?.nearRealTime ?? false;
    const held = Boolean(stream?.leaseOwner && stream.leaseExpiresAt && stream.leaseExpiresAt.getTime() + LEASE_GRACE_MS > now.getTime());
    const state = !enabled ? "off" : !stream || !held ? (stream?.state === "stopped" || !stream ? "waiting" : "waiting") : stream.state;
    return {
      enabled,
      available: Boolean(row?.syncEnabled && row.state === "syncing"),
      state: state as "off" | "waiting" | "starting" | "live" | "catching_up" | "retrying" | "stopped",
      reason: enabled ? (stream?.reason ?? (held ? null : "Waiting for a worker to pick up the stream (it starts once the initial sync has finished).")) : null,
      lastEventAt: stream?.lastEventAt?.toISOString() ?? null,
      lastCommitAt: stream?.lastCommitAt?.toISOString() ?? null,
      eventsApplied: stream?.eventsApplied ?? 0,
      echoesSkipped: stream?.echoesSkipped ?? 0,
      minutes: minutes.map((m) => ({
        minute: m.minute.toISOString(),
        events: m.events,
        records: m.records,
        echoes: m.echoes,
        lagMsAvg: m.events > 0 ? Math.round(m.lagMsSum / m.events) : null,
        lagMsMax: m.events > 0 ? m.lagMsMax : null,
      })),
    };
  });
}

export type NearRealTimeView = Awaited<ReturnType<typeof viewNearRealTime>>;
