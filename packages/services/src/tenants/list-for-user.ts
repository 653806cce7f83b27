import { asc, eq } from "drizzle-orm";
import { memberships, tenants, type PlatformDatabase } from "@ferry/db";

/** The tenants a user belongs to, across tenants: a lookup by user, so it runs unscoped. */
export async function listTenantsForUser({ db, userId }: { db: PlatformDatabase; userId: string }) {
  return db
    .select({ id: tenants.id, name: tenants.name, slug: tenants.slug, role: memberships.role })
    .from(memberships)
    .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
    .where(eq(memberships.userId, userId))
    .orderBy(asc(tenants.name));
}
