import { desc, lt, and, eq, like, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { auditLog, users, withTenant } from "@ferry/db";
import { requireReadRole, type TenantContext } from "../context";

/** What the audit log can be filtered by: areas of the portal, as prefixes of the recorded action. */
export const auditAreas = {
  salesforce: ["salesforce."],
  people: ["member.", "invitation.", "tenant."],
  support: ["support."],
  records: ["record.", "sync_errors."],
} as const;
export type AuditArea = keyof typeof auditAreas;

/** The tenant's own log, support access included; the actor's current name is shown beside the email recorded at the time. */
export async function listAuditLog({
  ctx,
  input,
}: {
  ctx: TenantContext;
  input: { limit: number; before?: Date | undefined; area?: AuditArea | undefined; outcome?: "success" | "failure" | "denied" | undefined };
}) {
  requireReadRole(ctx, "admin");
  // The member an entry is about (a role change, a removal, a hand-over), by their current name.
  const subject = alias(users, "subject");
  const rows = await withTenant(ctx, (tx) =>
    tx
      .select({
        id: auditLog.id,
        tenantId: auditLog.tenantId,
        createdAt: auditLog.createdAt,
        actorUserId: auditLog.actorUserId,
        actorEmail: auditLog.actorEmail,
        actorName: users.name,
        subjectName: subject.name,
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
      .leftJoin(subject, eq(subject.id, sql`coalesce(${auditLog.details}->>'userId', ${auditLog.details}->>'toUserId')`))
      .where(
        and(
          eq(auditLog.tenantId, ctx.tenantId),
          input.before ? lt(auditLog.createdAt, input.before) : undefined,
          input.area ? or(...auditAreas[input.area].map((prefix) => like(auditLog.action, `${prefix}%`))) : undefined,
          input.outcome ? eq(auditLog.outcome, input.outcome) : undefined,
        ),
      )
      .orderBy(desc(auditLog.createdAt))
      .limit(input.limit),
  );
  // An invitation's id is its acceptance link; support access reads the log without it (see listInvitations).
  const member = ctx.access.kind === "member";
  return rows.map((row) => (member || row.targetType !== "invitation" ? row : { ...row, targetId: null }));
}
