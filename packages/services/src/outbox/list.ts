import { desc } from "drizzle-orm";
import { emailOutbox, withTenant } from "@ferry/db";
import { requireReadRole, type TenantContext } from "../context";
import { ForbiddenError } from "../errors";

export async function listOutbox({ ctx, input }: { ctx: TenantContext; input: { limit: number } }) {
  requireReadRole(ctx, "admin");
  // The outbox holds invitation and verification links, which are capabilities of their recipients.
  if (ctx.access.kind === "support")
    throw new ForbiddenError("Support access does not show the email outbox: its messages carry links only their recipients may use.");
  return withTenant(ctx, (tx) => tx.select().from(emailOutbox).orderBy(desc(emailOutbox.createdAt)).limit(input.limit));
}
