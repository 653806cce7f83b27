import { desc, eq } from "drizzle-orm";
import { syncRuns, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { secretStatus } from "../secrets/seal";
import type { SalesforceRuntime } from "./gateway";
import { CONFIRMED_STATES, LOCKED_STATES, loadConnection, MAX_LOGIN_FAILURES } from "./stored";

/** The tenant's Salesforce connection as the portal shows it: whether each secret is set, when and by whom; no character of one. */
export async function viewConnection({ ctx, runtime }: { ctx: TenantContext; runtime: Pick<SalesforceRuntime, "oauth" | "demo"> }) {
  requireRole(ctx, "viewer");
  const canEdit = ctx.access.kind === "member" ? ctx.access.role !== "viewer" : ctx.access.mode === "write";
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    const [latestRun] = await tx
      .select({ id: syncRuns.id, kind: syncRuns.kind, status: syncRuns.status, phase: syncRuns.phase, startedAt: syncRuns.startedAt, error: syncRuns.error })
      .from(syncRuns)
      .where(eq(syncRuns.kind, "initial"))
      .orderBy(desc(syncRuns.startedAt))
      .limit(1);
    const state = row?.state ?? "not_connected";
    const failures = row?.consecutiveLoginFailures ?? 0;
    const pending = row?.oauthPending;
    return {
      state,
      canEdit,
      authType: row?.authType ?? "password",
      oauthAvailable: Boolean(runtime.oauth),
      loginHost: row?.loginHost ?? "production",
      customDomain: row?.customDomain ?? null,
      loginUrl: row?.loginUrl ?? null,
      username: row?.username ?? null,
      secrets: {
        password: secretStatus(row?.password, row?.secretMasks?.password, row?.validatedAt ?? null),
        securityToken: secretStatus(row?.securityToken, row?.secretMasks?.securityToken, row?.validatedAt ?? null),
        refreshToken: secretStatus(row?.refreshToken, row?.secretMasks?.refreshToken, row?.validatedAt ?? null),
      },
      org: row?.orgId
        ? {
            orgId: row.orgId,
            orgName: row.orgName,
            instanceUrl: row.instanceUrl,
            syncUserId: row.syncUserId,
            syncUsername: row.syncUsername,
            apiDailyLimit: row.apiDailyLimit,
            isSandbox: row.orgIsSandbox,
          }
        : null,
      /** Confirmed: the org can no longer change. Locked: the sync has started (mappings read-only). */
      orgLocked: CONFIRMED_STATES.includes(state),
      syncStarted: LOCKED_STATES.includes(state),
      loginFailures: failures,
      retriesStopped: failures >= MAX_LOGIN_FAILURES,
      lastError: row?.lastError ?? null,
      oauthPendingSince: pending ? pending.startedAt : null,
      validatedAt: row?.validatedAt ?? null,
      fieldsSyncedAt: row?.fieldsSyncedAt ?? null,
      confirmedAt: row?.confirmedAt ?? null,
      syncStartedAt: row?.syncStartedAt ?? null,
      initialRun: latestRun ?? null,
      demo: canEdit ? (runtime.demo ?? null) : null,
    };
  });
}

export type ConnectionView = Awaited<ReturnType<typeof viewConnection>>;
