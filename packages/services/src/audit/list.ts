import { desc, lt, and, eq } from "drizzle-orm";
import { auditLog, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

export async function listAuditLog({ ctx, input }: { ctx: TenantContext; input: { limit: number; before?: Date | undefined } }) {
  requireRole(ctx, "admin");
  return withTenant(ctx, (tx) =>
    tx
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, ctx.tenantId), input.before ? lt(auditLog.createdAt, input.before) : undefined))
      .orderBy(desc(auditLog.createdAt))
      .limit(input.limit),
  );
}
