import { randomBytes } from "node:crypto";
import { auditLog, memberships, tenants, type PlatformDatabase } from "@ferry/db";
import { queueVerificationMail } from "../account/verification";
import type { Actor } from "../context";
import { ValidationError } from "../errors";

export function slugify(name: string): string {
  const base = name
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return `${base || "tenant"}-${randomBytes(3).toString("hex")}`;
}

/**
 * A new tenant with its creator as owner. The tenant does not exist yet, so no tenant scope can
 * be set: this runs on the privileged connection, in one transaction with its audit row.
 */
export async function createTenantForOwner({
  db,
  actor,
  input,
  verificationLink,
}: {
  db: PlatformDatabase;
  actor: Actor;
  input: { name: string };
  /** A new account's verification mail, written into the new tenant's outbox with the tenant. */
  verificationLink?: string;
}) {
  const name = input.name.trim();
  if (name.length < 2 || name.length > 80) throw new ValidationError("A company name needs 2 to 80 characters.", "tenantName");
  const tenantId = crypto.randomUUID();
  await db.transaction(async (tx) => {
    await tx.insert(tenants).values({ id: tenantId, name, slug: slugify(name) });
    await tx.insert(memberships).values({ tenantId, id: crypto.randomUUID(), userId: actor.userId, role: "owner" });
    await tx.insert(auditLog).values({
      tenantId,
      actorUserId: actor.userId,
      actorEmail: actor.email,
      action: "tenant.create",
      targetType: "tenant",
      targetId: tenantId,
      details: { name },
    });
    if (verificationLink) await queueVerificationMail(tx, { tenantId, to: actor.email.toLowerCase(), link: verificationLink });
  });
  return { tenantId, name };
}
