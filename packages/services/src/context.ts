import { tenantRoles, type Database, type PlatformDatabase, type TenantRole } from "@ferry/db";
import { ForbiddenError } from "./errors";

export interface Actor {
  userId: string;
  email: string;
  name: string;
  isStaff: boolean;
}

/** How the actor is inside the tenant: as a member, or as support staff through an access grant. */
export type TenantAccess = { kind: "member"; role: TenantRole } | { kind: "support"; grantId: string; mode: "read" | "write" };

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

const rank: ReadonlyMap<string, number> = new Map(tenantRoles.map((role, index) => [role, tenantRoles.length - 1 - index]));

/** The rank of a known role; anything else (unknown, empty, missing) has none and so grants nothing. */
export function roleRank(role: unknown): number | undefined {
  return typeof role === "string" ? rank.get(role) : undefined;
}

/** Services call this first. Support staff count as viewers unless their grant is elevated to write, then as admins. */
export function requireRole(ctx: TenantContext, minimum: TenantRole): void {
  const effective: unknown =
    ctx.access.kind === "member" ? ctx.access.role : ctx.access.mode === "write" ? "admin" : ctx.access.mode === "read" ? "viewer" : undefined;
  const held = roleRank(effective);
  const needed = roleRank(minimum);
  if (needed === undefined) throw new Error(`requireRole called with an unknown minimum role ${JSON.stringify(minimum)}`);
  if (held === undefined) {
    throw new ForbiddenError(`This needs the ${minimum} role in this tenant; your membership has no role Ferry knows, so it grants nothing.`);
  }
  if (held < needed) {
    throw new ForbiddenError(
      ctx.access.kind === "support" && ctx.access.mode === "read"
        ? "Support access is read-only; elevate the access grant with a reason to make changes."
        : `This needs the ${minimum} role in this tenant; you are ${String(effective)}.`,
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
