import { asc } from "drizzle-orm";
import { fieldCatalog, withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";

/** The fields Sync Fields created, per object; everyone in the tenant may read it. */
export async function listFieldCatalog({ ctx }: { ctx: TenantContext }) {
  requireRole(ctx, "viewer");
  return withTenant(ctx, (tx) =>
    tx
      .select({
        object: fieldCatalog.object,
        fieldName: fieldCatalog.fieldName,
        label: fieldCatalog.label,
        type: fieldCatalog.type,
        writable: fieldCatalog.writable,
        custom: fieldCatalog.custom,
        requiredByFerry: fieldCatalog.requiredByFerry,
        excluded: fieldCatalog.excluded,
        state: fieldCatalog.state,
      })
      .from(fieldCatalog)
      .orderBy(asc(fieldCatalog.object), asc(fieldCatalog.fieldName)),
  );
}
