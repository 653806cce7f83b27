import { and, eq, sql } from "drizzle-orm";
import { sfRecords, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import { emailKey } from "../record-browser/kinds";
import { people } from "./list";

/**
 * How many emails are shared and by how many people. It reads every person's email (from the
 * email index), so it is a query of its own: the list pages stay fast while this one runs.
 */
export async function summarizeDuplicates({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, async (tx) => {
    const [row] = await tx.select({ groups: sql<number>`count(*)::int`, people: sql<number>`coalesce(sum(n), 0)::int` }).from(
      tx
        .select({ n: sql<number>`count(*)`.as("n") })
        .from(sfRecords)
        .where(and(eq(sfRecords.tenantId, ctx.tenantId), people))
        .groupBy(emailKey)
        .having(sql`count(*) > 1`)
        .as("dups"),
    );
    return { groups: row?.groups ?? 0, people: row?.people ?? 0 };
  });
}
