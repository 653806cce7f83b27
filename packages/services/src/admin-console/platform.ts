import { sql } from "drizzle-orm";
import type { PlatformDatabase, Transaction } from "@ferry/db";
import type { Actor } from "../context";
import { ForbiddenError } from "../errors";

/**
 * The one place where the support console reads across tenants. Row-level security scopes every
 * tenant transaction to one tenant, so a console listing all tenants cannot run as `ferry_app`;
 * it runs on the privileged connection instead, for staff only, inside a READ ONLY transaction so
 * that nothing here can ever write. Anything that changes a tenant goes through a support grant
 * and the ordinary tenant-scoped verbs.
 */
export async function platformRead<T>({ db, actor }: { db: PlatformDatabase; actor: Actor }, fn: (tx: Transaction) => Promise<T>): Promise<T> {
  if (!actor.isStaff) throw new ForbiddenError("Only Ferry support staff can read across tenants.");
  return db.transaction(async (tx) => {
    await tx.execute(sql`set transaction read only`);
    return fn(tx as unknown as Transaction);
  });
}
