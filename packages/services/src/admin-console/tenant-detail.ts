import { asc, desc, eq } from "drizzle-orm";
import { auditLog, memberships, salesforceConnections, supportAccessGrants, syncErrors, syncRuns, syncStates, tenants, users } from "@ferry/db";
import type { PlatformDatabase } from "@ferry/db";
import type { Actor } from "../context";
import { NotFoundError } from "../errors";
import { platformRead } from "./platform";

/** One tenant as support sees it before entering: its runs, errors, members, support history and audit log. */
export async function consoleTenantDetail({ db, actor, input }: { db: PlatformDatabase; actor: Actor; input: { tenantId: string } }) {
  return platformRead({ db, actor }, async (tx) => {
    const [tenant] = await tx.select().from(tenants).where(eq(tenants.id, input.tenantId));
    if (!tenant) throw new NotFoundError("That tenant does not exist.");
    const [connection] = await tx
      .select({
        state: salesforceConnections.state,
        authType: salesforceConnections.authType,
        orgName: salesforceConnections.orgName,
        orgId: salesforceConnections.orgId,
        syncUsername: salesforceConnections.syncUsername,
        apiDailyLimit: salesforceConnections.apiDailyLimit,
        apiDailyCap: salesforceConnections.apiDailyCap,
        lastError: salesforceConnections.lastError,
        syncStartedAt: salesforceConnections.syncStartedAt,
      })
      .from(salesforceConnections)
      .where(eq(salesforceConnections.tenantId, tenant.id));
    const [sync] = await tx.select().from(syncStates).where(eq(syncStates.tenantId, tenant.id));
    const runs = await tx.select().from(syncRuns).where(eq(syncRuns.tenantId, tenant.id)).orderBy(desc(syncRuns.startedAt)).limit(20);
    const errors = await tx.select().from(syncErrors).where(eq(syncErrors.tenantId, tenant.id)).orderBy(desc(syncErrors.createdAt)).limit(50);
    const members = await tx
      .select({ userId: memberships.userId, role: memberships.role, name: users.name, email: users.email })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.tenantId, tenant.id))
      .orderBy(asc(users.name));
    const grants = await tx
      .select({
        id: supportAccessGrants.id,
        staffName: users.name,
        reason: supportAccessGrants.reason,
        ticket: supportAccessGrants.ticket,
        mode: supportAccessGrants.mode,
        elevationReason: supportAccessGrants.elevationReason,
        startedAt: supportAccessGrants.startedAt,
        expiresAt: supportAccessGrants.expiresAt,
        endedAt: supportAccessGrants.endedAt,
        endReason: supportAccessGrants.endReason,
      })
      .from(supportAccessGrants)
      .leftJoin(users, eq(users.id, supportAccessGrants.staffUserId))
      .where(eq(supportAccessGrants.tenantId, tenant.id))
      .orderBy(desc(supportAccessGrants.startedAt))
      .limit(20);
    const audit = await tx
      .select({
        id: auditLog.id,
        createdAt: auditLog.createdAt,
        actorUserId: auditLog.actorUserId,
        actorName: users.name,
        actorEmail: auditLog.actorEmail,
        supportGrantId: auditLog.supportGrantId,
        action: auditLog.action,
        targetType: auditLog.targetType,
        targetId: auditLog.targetId,
        outcome: auditLog.outcome,
        reason: auditLog.reason,
        requestId: auditLog.requestId,
      })
      .from(auditLog)
      .leftJoin(users, eq(users.id, auditLog.actorUserId))
      .where(eq(auditLog.tenantId, tenant.id))
      .orderBy(desc(auditLog.createdAt))
      .limit(100);
    return {
      tenant: { id: tenant.id, name: tenant.name, slug: tenant.slug, createdAt: tenant.createdAt },
      connection: connection ?? null,
      sync: sync ?? null,
      runs,
      errors,
      members,
      grants,
      audit,
    };
  });
}
