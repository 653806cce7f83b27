import { auditLog, type Transaction } from "@ferry/db";
import type { TenantContext } from "../context";

export interface AuditEntry {
  action: string;
  targetType?: string;
  targetId?: string;
  outcome?: "success" | "failure" | "denied";
  reason?: string;
  details?: Record<string, unknown>;
}

/** Written inside the caller's tenant transaction, so the audit row and the change commit together. */
export async function recordAudit(tx: Transaction, ctx: TenantContext, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    tenantId: ctx.tenantId,
    actorUserId: ctx.actor.userId,
    actorEmail: ctx.actor.email,
    supportGrantId: ctx.access.kind === "support" ? ctx.access.grantId : null,
    action: entry.action,
    targetType: entry.targetType ?? null,
    targetId: entry.targetId ?? null,
    outcome: entry.outcome ?? "success",
    reason: entry.reason ?? null,
    requestId: ctx.requestId ?? null,
    details: entry.details ?? null,
  });
}
