import { and, eq, isNull, lte, ne, or } from "drizzle-orm";
import { sessions, supportAccessGrants, users, withTenant, type PlatformDatabase } from "@ferry/db";
import { recordAudit } from "../audit/record";
import type { Actor } from "../context";
import { grantContext } from "./grant-context";

export const supportEndReasons = ["ended", "expired", "signed_out", "staff_removed"] as const;
export type SupportEndReason = (typeof supportEndReasons)[number];

export interface EndedGrant {
  tenantId: string;
  grantId: string;
  staffUserId: string;
  staffName: string;
  why: SupportEndReason;
}

type GrantRow = { tenantId: string; id: string; staffUserId: string; mode: "read" | "write" };

/**
 * Ends one grant exactly once (concurrent enders race on `ended_at is null`) and writes its audit
 * row in the same transaction. Returns null when someone else ended it first.
 */
async function endGrant(db: PlatformDatabase, grant: GrantRow, why: SupportEndReason, requestId?: string | undefined): Promise<EndedGrant | null> {
  const [staff] = await db.select({ name: users.name, email: users.email, role: users.role }).from(users).where(eq(users.id, grant.staffUserId));
  const actor: Actor = { userId: grant.staffUserId, email: staff?.email ?? "", name: staff?.name ?? "former staff member", isStaff: staff?.role === "staff" };
  const result = await withTenant({ db, tenantId: grant.tenantId }, async (tx) => {
    const [ended] = await tx
      .update(supportAccessGrants)
      .set({ endedAt: new Date(), endReason: why })
      .where(and(eq(supportAccessGrants.id, grant.id), isNull(supportAccessGrants.endedAt)))
      .returning({ id: supportAccessGrants.id });
    if (!ended) return null;
    await recordAudit(tx, grantContext(db, actor, grant, requestId), {
      action: "support.end",
      targetType: "support_access",
      targetId: grant.id,
      details: { why, staffName: actor.name },
    });
    return { tenantId: grant.tenantId, grantId: grant.id, staffUserId: grant.staffUserId, staffName: actor.name, why };
  });
  if (result) {
    // Sessions parked in the tenant leave it too, so the next request asks for a tenant instead of failing on it.
    await db
      .update(sessions)
      .set({ activeTenantId: null, updatedAt: new Date() })
      .where(and(eq(sessions.userId, grant.staffUserId), eq(sessions.activeTenantId, grant.tenantId)));
  }
  return result;
}

const grantColumns = {
  tenantId: supportAccessGrants.tenantId,
  id: supportAccessGrants.id,
  staffUserId: supportAccessGrants.staffUserId,
  mode: supportAccessGrants.mode,
  expiresAt: supportAccessGrants.expiresAt,
};

async function endAll<R extends GrantRow>(db: PlatformDatabase, rows: R[], why: (row: R) => SupportEndReason, requestId?: string) {
  const ended: EndedGrant[] = [];
  for (const row of rows) {
    const result = await endGrant(db, row, why(row), requestId);
    if (result) ended.push(result);
  }
  return ended;
}

/**
 * Ends the open grants of one staff member: "End" in the banner, sign-out, or removal of the staff
 * flag. Grants are looked up by user across tenants, so this reads on the privileged connection.
 */
export async function endSupportAccessForUser({
  db,
  userId,
  why,
  requestId,
}: {
  db: PlatformDatabase;
  userId: string;
  why: SupportEndReason;
  requestId?: string | undefined;
}) {
  const now = Date.now();
  const rows = await db
    .select(grantColumns)
    .from(supportAccessGrants)
    .where(and(eq(supportAccessGrants.staffUserId, userId), isNull(supportAccessGrants.endedAt)));
  return endAll(db, rows, (row) => (row.expiresAt.getTime() <= now ? "expired" : why), requestId);
}

/**
 * The sweep behind "ends by itself": grants past their expiry, and grants of users who are no
 * longer staff (the flag can be removed outside Ferry's own verbs, e.g. directly in the database).
 */
export async function sweepSupportAccess({ db, now = new Date() }: { db: PlatformDatabase; now?: Date }) {
  const rows = await db
    .select({ ...grantColumns, role: users.role })
    .from(supportAccessGrants)
    .leftJoin(users, eq(users.id, supportAccessGrants.staffUserId))
    .where(and(isNull(supportAccessGrants.endedAt), or(lte(supportAccessGrants.expiresAt, now), ne(users.role, "staff"), isNull(users.role))));
  return endAll(db, rows, (row) => (row.role === "staff" ? "expired" : "staff_removed"));
}
