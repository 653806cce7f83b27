import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { memberships, RUNTIME_ROLE, supportAccessGrants, tenants, users, type PlatformDatabase, type Transaction } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { createNotification } from "../notifications/create";
import { SUPPORT_NOTIFICATION_TITLES } from "../notifications/list";
import type { Actor } from "../context";
import { ConflictError, ForbiddenError, NotFoundError } from "../errors";
import { grantContext } from "./grant-context";
import { checkReason, SUPPORT_ACCESS_MAX_SECONDS } from "./limits";

export interface StartSupportAccessInput {
  tenantId: string;
  reason: string;
  ticket?: string | undefined;
  /** Shorter than the configured ceiling if the staff member wants; never longer. */
  minutes?: number | undefined;
}

/**
 * "Enter tenant": a read-only grant for the staff member, with a reason, ending by itself. The
 * staff member acts as themselves; no membership or role is created.
 */
export async function startSupportAccess({
  db,
  actor,
  input,
  maxSeconds = SUPPORT_ACCESS_MAX_SECONDS,
  requestId,
}: {
  db: PlatformDatabase;
  actor: Actor;
  input: StartSupportAccessInput;
  maxSeconds?: number;
  requestId?: string;
}) {
  if (!actor.isStaff) throw new ForbiddenError("Only Ferry support staff can enter a tenant.");
  const reason = checkReason(input.reason, "Entering a tenant");
  const [tenant] = await db.select({ id: tenants.id, name: tenants.name }).from(tenants).where(eq(tenants.id, input.tenantId));
  if (!tenant) throw new NotFoundError("That tenant does not exist.");
  // Tenant membership is a lookup across the platform (who belongs where), so it runs on the privileged connection.
  const members = await db
    .select({ userId: memberships.userId, role: users.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.tenantId, tenant.id));
  if (members.some((m) => m.userId === actor.userId)) {
    throw new ConflictError("You are a member of this tenant; switch to it with the tenant switcher instead of entering it as support.");
  }
  if (members.some((m) => m.role === "staff")) {
    throw new ForbiddenError("This tenant belongs to a Ferry staff account; support access into staff accounts is not allowed.");
  }
  const ceiling = Math.min(maxSeconds, SUPPORT_ACCESS_MAX_SECONDS);
  const seconds = input.minutes ? Math.min(input.minutes * 60, ceiling) : ceiling;
  const grant = {
    tenantId: tenant.id,
    id: crypto.randomUUID(),
    mode: "read" as const,
    startedAt: new Date(),
    expiresAt: new Date(Date.now() + seconds * 1000),
  };
  const ticket = input.ticket?.trim() || null;
  const notification = await db.transaction(async (raw) => {
    const tx = raw as unknown as Transaction;
    // One open grant per staff member, checked across tenants (still the privileged role here) under a
    // per-staff lock, so two concurrent starts cannot both pass; then the tenant's own rules apply, as in withTenant.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`ferry.support-access:${actor.userId}`}))`);
    const [open] = await tx
      .select({ tenantId: supportAccessGrants.tenantId })
      .from(supportAccessGrants)
      .where(and(eq(supportAccessGrants.staffUserId, actor.userId), isNull(supportAccessGrants.endedAt), gt(supportAccessGrants.expiresAt, new Date())));
    if (open) throw new ConflictError("You already have support access to a tenant; end it before entering another.");
    await tx.execute(sql`select set_config('app.tenant_id', ${tenant.id}, true)`);
    await tx.execute(sql.raw(`set local role ${RUNTIME_ROLE}`));
    await tx.insert(supportAccessGrants).values({ ...grant, staffUserId: actor.userId, reason, ticket });
    await recordAudit(tx, grantContext(db, actor, grant, requestId), {
      action: "support.start",
      targetType: "support_access",
      targetId: grant.id,
      reason,
      details: { ticket, mode: "read", expiresAt: grant.expiresAt.toISOString(), staffName: actor.name },
    });
    // The tenant's admins hear about it where they look anyway, not only in the audit log.
    return createNotification(tx, grant, {
      kind: "info",
      title: SUPPORT_NOTIFICATION_TITLES.entered,
      body: `${actor.name} can see what your admins see, read-only, for ${Math.round(seconds / 60) || 1} min. Reason: ${reason}`.slice(0, 500),
    });
  });
  return { ...grant, tenantName: tenant.name, reason, ticket, notification };
}
