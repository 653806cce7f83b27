import { and, asc, desc, eq, ilike, inArray, isNull, or, sql } from "drizzle-orm";
import { memberships, pushQueue, salesforceConnections, supportAccessGrants, syncErrors, syncRuns, syncStates, tenants } from "@ferry/db";
import type { Actor } from "../context";
import type { PlatformDatabase } from "@ferry/db";
import { platformRead } from "./platform";

export const consoleFilters = ["all", "failed", "paused", "over_cap"] as const;
export type ConsoleFilter = (typeof consoleFilters)[number];

export interface ConsoleTenant {
  id: string;
  name: string;
  slug: string;
  createdAt: Date;
  members: number;
  connection: { state: string; orgName: string | null; lastError: string | null } | null;
  sync: { state: string; message: string | null; pausedByAdmin: boolean; lastSyncedAt: Date | null; resumesAt: Date | null } | null;
  lastRun: { id: string; kind: string; status: string; startedAt: Date; finishedAt: Date | null; error: string | null } | null;
  lastError: { code: string; message: string; at: Date } | null;
  openErrors: number;
  api: { used: number | null; limit: number | null; cap: number | null };
  backlog: number;
  support: { staffUserId: string; expiresAt: Date; mode: string } | null;
  flags: { failed: boolean; paused: boolean; overCap: boolean };
}

const MAX_TENANTS = 500;

/** Every tenant with its health at a glance; the sync columns are empty until a tenant has synced. */
export async function listConsoleTenants({
  db,
  actor,
  input,
}: {
  db: PlatformDatabase;
  actor: Actor;
  input: { search?: string | undefined; filter: ConsoleFilter };
}) {
  return platformRead({ db, actor }, async (tx) => {
    const search = input.search?.trim();
    const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
    const rows = await tx
      .select({ id: tenants.id, name: tenants.name, slug: tenants.slug, createdAt: tenants.createdAt })
      .from(tenants)
      .where(pattern ? or(ilike(tenants.name, pattern), ilike(tenants.slug, pattern), eq(tenants.id, search!)) : undefined)
      .orderBy(asc(tenants.name))
      .limit(MAX_TENANTS);
    const ids = rows.map((r) => r.id);
    if (ids.length === 0) return { tenants: [], truncated: false };

    const [memberCounts, connections, states, runs, errors, openErrorCounts, backlogs, grants] = await Promise.all([
      tx
        .select({ tenantId: memberships.tenantId, n: sql<number>`count(*)::int` })
        .from(memberships)
        .where(inArray(memberships.tenantId, ids))
        .groupBy(memberships.tenantId),
      tx
        .select({
          tenantId: salesforceConnections.tenantId,
          state: salesforceConnections.state,
          orgName: salesforceConnections.orgName,
          lastError: salesforceConnections.lastError,
          apiDailyLimit: salesforceConnections.apiDailyLimit,
          apiDailyCap: salesforceConnections.apiDailyCap,
        })
        .from(salesforceConnections)
        .where(inArray(salesforceConnections.tenantId, ids)),
      tx.select().from(syncStates).where(inArray(syncStates.tenantId, ids)),
      tx
        .selectDistinctOn([syncRuns.tenantId], {
          tenantId: syncRuns.tenantId,
          id: syncRuns.id,
          kind: syncRuns.kind,
          status: syncRuns.status,
          startedAt: syncRuns.startedAt,
          finishedAt: syncRuns.finishedAt,
          error: syncRuns.error,
        })
        .from(syncRuns)
        .where(inArray(syncRuns.tenantId, ids))
        .orderBy(syncRuns.tenantId, desc(syncRuns.startedAt)),
      tx
        .selectDistinctOn([syncErrors.tenantId], {
          tenantId: syncErrors.tenantId,
          code: syncErrors.code,
          message: syncErrors.message,
          at: syncErrors.createdAt,
        })
        .from(syncErrors)
        .where(inArray(syncErrors.tenantId, ids))
        .orderBy(syncErrors.tenantId, desc(syncErrors.createdAt)),
      tx
        .select({ tenantId: syncErrors.tenantId, n: sql<number>`count(*)::int` })
        .from(syncErrors)
        .where(and(inArray(syncErrors.tenantId, ids), eq(syncErrors.state, "open")))
        .groupBy(syncErrors.tenantId),
      tx
        .select({ tenantId: pushQueue.tenantId, n: sql<number>`count(*)::int` })
        .from(pushQueue)
        .where(and(inArray(pushQueue.tenantId, ids), inArray(pushQueue.state, ["queued", "in_flight"])))
        .groupBy(pushQueue.tenantId),
      tx
        .select({
          tenantId: supportAccessGrants.tenantId,
          staffUserId: supportAccessGrants.staffUserId,
          expiresAt: supportAccessGrants.expiresAt,
          mode: supportAccessGrants.mode,
        })
        .from(supportAccessGrants)
        .where(and(inArray(supportAccessGrants.tenantId, ids), isNull(supportAccessGrants.endedAt), sql`${supportAccessGrants.expiresAt} > now()`)),
    ]);
    const by = <T extends { tenantId: string }>(list: T[]) => new Map(list.map((x) => [x.tenantId, x]));
    const [m, c, s, r, e, o, b, g] = [by(memberCounts), by(connections), by(states), by(runs), by(errors), by(openErrorCounts), by(backlogs), by(grants)];

    const all: ConsoleTenant[] = rows.map((t) => {
      const conn = c.get(t.id);
      const state = s.get(t.id);
      const run = r.get(t.id);
      const used = state?.apiUsed ?? null;
      const limit = state?.apiLimit ?? conn?.apiDailyLimit ?? null;
      // The cap in force: the tenant's own, else half the org's limit (the engine's default).
      const cap = conn?.apiDailyCap ?? (limit === null ? null : Math.floor(limit / 2));
      const failed = state?.state === "failed" || conn?.state === "failed" || run?.status === "failed";
      const paused = state?.state === "paused" || state?.pausedByAdmin === true || conn?.state === "paused";
      const overCap = state?.state === "api_capped" || state?.state === "org_limited" || (used !== null && cap !== null && used >= cap);
      const err = e.get(t.id);
      const grant = g.get(t.id);
      return {
        ...t,
        members: m.get(t.id)?.n ?? 0,
        connection: conn ? { state: conn.state, orgName: conn.orgName, lastError: conn.lastError } : null,
        sync: state
          ? { state: state.state, message: state.message, pausedByAdmin: state.pausedByAdmin, lastSyncedAt: state.lastSyncedAt, resumesAt: state.resumesAt }
          : null,
        lastRun: run ? { id: run.id, kind: run.kind, status: run.status, startedAt: run.startedAt, finishedAt: run.finishedAt, error: run.error } : null,
        lastError: err
          ? { code: err.code, message: err.message, at: err.at }
          : conn?.lastError
            ? { code: "CONNECTION", message: conn.lastError, at: t.createdAt }
            : null,
        openErrors: o.get(t.id)?.n ?? 0,
        api: { used, limit, cap },
        backlog: b.get(t.id)?.n ?? 0,
        support: grant ? { staffUserId: grant.staffUserId, expiresAt: grant.expiresAt, mode: grant.mode } : null,
        flags: { failed, paused, overCap },
      };
    });
    const filtered = all.filter((t) =>
      input.filter === "failed" ? t.flags.failed : input.filter === "paused" ? t.flags.paused : input.filter === "over_cap" ? t.flags.overCap : true,
    );
    return { tenants: filtered, truncated: rows.length === MAX_TENANTS };
  });
}
