import { and, eq } from "drizzle-orm";
import { memberships, type Transaction } from "@ferry/db";
import { NotFoundError } from "../errors";

export async function findMembership(tx: Transaction, membershipId: string) {
  const [member] = await tx.select().from(memberships).where(eq(memberships.id, membershipId));
  if (!member) throw new NotFoundError("No member with that id in this tenant.");
  return member;
}

/** Locks the owner rows, so two owners leaving or stepping down at once cannot both pass the check. */
export async function ownerCount(tx: Transaction, tenantId: string): Promise<number> {
  const owners = await tx
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, "owner")))
    .for("update");
  return owners.length;
}
