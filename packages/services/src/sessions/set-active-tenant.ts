import { eq } from "drizzle-orm";
import { sessions, type PlatformDatabase } from "@ferry/db";
import type { Actor } from "../context";
import { resolveTenantAccess } from "../tenants/resolve-access";

/** Points a session at a tenant the actor may enter (checked here, not trusted from the caller). */
export async function setActiveTenant({
  db,
  actor,
  session,
  tenantId,
}: {
  db: PlatformDatabase;
  actor: Actor;
  session: { id: string } | { token: string };
  tenantId: string;
}) {
  const { tenantName } = await resolveTenantAccess({ db, actor, tenantId });
  await db
    .update(sessions)
    .set({ activeTenantId: tenantId, updatedAt: new Date() })
    .where("id" in session ? eq(sessions.id, session.id) : eq(sessions.token, session.token));
  return { tenantId, tenantName };
}
