import { desc, lt, and, eq } from "drizzle-orm";
import { auditLog, users, withTenant } from "@ferry/db";
import { requireReadRole, type TenantContext } from "../context";

/** The tenant's own log, support access included; the actor's current name is shown beside the email recorded at the time. */
export async function listAuditLog({ ctx, input }: { ctx: TenantContext; input: { limit: number; before?: Date | undefined } }) {
  requireReadRole(ctx, "admin");
  return withTenant(ctx, (tx) =>
    tx
      .select({
        id: auditLog.id,
        tenantId: auditLog.tenantId,
        createdAt: auditLog.createdAt,
        actorUserId: auditLog.actorUserId,
        actorEmail: auditLog.actorEmail,
        actorName: users.name,
        supportGrantId: auditLog.supportGrantId,
        action: auditLog.action,
        targetType: auditLog.targetType,
        targetId: auditLog.targetId,
        outcome: auditLog.outcome,
        reason: auditLog.reason,
        requestId: auditLog.requestId,
        details: auditLog.details,
      })
      .from(auditLog)
      .leftJoin(users, eq(users.id, auditLog.actorUserId))
      .where(and(eq(auditLog.tenantId, ctx.tenantId), input.before ? lt(auditLog.createdAt, input.before) : undefined))
      .orderBy(desc(auditLog.createdAt))
      .limit(input.limit),
  );
}
