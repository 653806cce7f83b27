import { sql } from "drizzle-orm";
import type { Database, DatabaseHandle } from "./client";
import { extractRows } from "./migrate";
import { RUNTIME_ROLE } from "./roles";

export interface LoginPrivileges {
  login: string;
  superuser: boolean;
  bypassRls: boolean;
  /** Tables owned by the login or by a role whose privileges it has. */
  ownedTables: string[];
  /** May `SET ROLE ferry_app`, as `withTenant` does. */
  runtimeRoleMember: boolean;
}

export async function loginPrivileges(db: Database): Promise<LoginPrivileges> {
  const [role] = extractRows<{ login: string; superuser: boolean; bypass_rls: boolean; member: boolean }>(
    await db.execute(sql`
      select current_user as login, rolsuper as superuser, rolbypassrls as bypass_rls,
             rolsuper or exists (select 1 from pg_roles r where r.rolname = ${RUNTIME_ROLE} and pg_has_role(current_user, r.oid, 'MEMBER')) as member
      from pg_roles where rolname = current_user`),
  );
  const owned = extractRows<{ name: string }>(
    await db.execute(sql`
      select n.nspname || '.' || c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_temp%'
        and pg_has_role(current_user, c.relowner, 'USAGE')
      order by 1`),
  );
  return {
    login: role!.login,
    superuser: role!.superuser,
    bypassRls: role!.bypass_rls,
    ownedTables: owned.map((r) => r.name),
    runtimeRoleMember: role!.member,
  };
}

export class DatabaseLoginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseLoginError";
  }
}

/**
 * Postgres mode refuses to start when the runtime login could read past row-level security, or
 * when the platform login could not do its cross-tenant work. Embedded mode has no logins.
 */
export async function assertDatabaseLogins(handle: DatabaseHandle): Promise<void> {
  if (handle.kind !== "postgres") return;
  const runtime = await loginPrivileges(handle.db);
  const problems: string[] = [];
  if (runtime.superuser) problems.push(`is a superuser`);
  if (runtime.bypassRls) problems.push(`has BYPASSRLS`);
  if (runtime.ownedTables.length > 0)
    problems.push(
      `owns ${runtime.ownedTables.slice(0, 3).join(", ")}${runtime.ownedTables.length > 3 ? ` and ${runtime.ownedTables.length - 3} more tables` : ""}`,
    );
  if (problems.length === 0 && !runtime.runtimeRoleMember) {
    throw new DatabaseLoginError(
      `DATABASE_URL logs in as "${runtime.login}", which is not a member of ${RUNTIME_ROLE}: GRANT ${RUNTIME_ROLE} TO ${runtime.login} (see README, "Postgres mode").`,
    );
  }
  if (problems.length > 0) {
    throw new DatabaseLoginError(
      `DATABASE_URL logs in as "${runtime.login}", which ${problems.join(", ")}: row-level security would not hold outside withTenant. ` +
        `Use a login that is NOSUPERUSER NOBYPASSRLS, owns no table and is a member of ferry_app, and put the owner login in DATABASE_PLATFORM_URL (see README, "Postgres mode").`,
    );
  }
  const platform = await loginPrivileges(handle.platform);
  if (!platform.superuser && !platform.bypassRls) {
    throw new DatabaseLoginError(
      `DATABASE_PLATFORM_URL logs in as "${platform.login}", which is neither superuser nor BYPASSRLS: platform work (scheduler, pruning, support console, sign-in) would see no tenant rows. ` +
        `ALTER ROLE ${platform.login} BYPASSRLS, or use the login that owns the schema with that attribute (see README, "Postgres mode").`,
    );
  }
  if (!platform.runtimeRoleMember) {
    throw new DatabaseLoginError(
      `DATABASE_PLATFORM_URL logs in as "${platform.login}", which is not a member of ${RUNTIME_ROLE}: GRANT ${RUNTIME_ROLE} TO ${platform.login} (see README, "Postgres mode").`,
    );
  }
}
