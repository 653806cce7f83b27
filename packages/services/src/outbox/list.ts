import { desc } from "drizzle-orm";
import { emailOutbox, withTenant } from "@ferry/db";
import { requireReadRole, type TenantContext } from "../context";

export async function listOutbox({ ctx, input }: { ctx: TenantContext; input: { limit: number } }) {
  requireReadRole(ctx, "admin");
  return withTenant(ctx, (tx) => tx.select().from(emailOutbox).orderBy(desc(emailOutbox.createdAt)).limit(input.limit));
}
