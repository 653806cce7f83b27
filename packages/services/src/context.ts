import type { Database, PlatformDatabase, TenantRole } from "@ferry/db";
import { ForbiddenError } from "./errors";

export interface Actor {
  userId: string;
  email: string;
  name: string;
  isStaff: boolean;
}

/** How the actor is inside the tenant: as a member, or as support staff through an access grant. */
export type TenantAccess =
  | { kind: "member"; role: TenantRole }
  | { kind: "support"; grantId: string; mode: "read" | "write" };

export interface TenantContext {
  db: Database;
  actor: Actor;
  tenantId: string;
  access: TenantAccess;
  requestId?: string | undefined;
}

export interface AuthedContext {
  db: Database;
  /** For the lookups that precede tenant scope (an invitation link); see PlatformDatabase. */
  platform: PlatformDatabase;
  actor: Actor;
  requestId?: string | undefined;
}

const rank: Record<TenantRole, number> = { viewer: 0, admin: 1, owner: 2 };

/** Services call this first. Support staff count as viewers unless their grant is elevated to write, then as admins. */
export function requireRole(ctx: TenantContext, minimum: TenantRole): void {
  const effective: TenantRole =
    ctx.access.kind === "member" ? ctx.access.role : ctx.access.mode === "write" ? "admin" : "viewer";
  if (rank[effective] < rank[minimum]) {
    throw new ForbiddenError(
      ctx.access.kind === "support" && ctx.access.mode === "read"
        ? "Support access is read-only; elevate the access grant with a reason to make changes."
        : `This needs the ${minimum} role in this tenant; you are ${effective}.`,
    );
  }
}

/**
 * For reads that need the admin role: support staff see what the tenant's admins see, in either
 * mode, since entering the tenant was already the audited decision. Writes use requireRole.
 */
export function requireReadRole(ctx: TenantContext, minimum: TenantRole): void {
  if (ctx.access.kind === "support") return;
  requireRole(ctx, minimum);
}
