import { withTenant } from "@ferry/db";
import { requireRole, type TenantContext } from "../context";
import type { SalesforceRuntime } from "../connection/gateway";
import { loadConnection, requireState, withStoredLogin } from "../connection/stored";

/**
 * "Sync Fields", step one: what the sync user can see, per object, before anything is created.
 * Describing costs Salesforce API calls, so only admins run it.
 */
export async function previewFieldCatalog({ ctx, runtime }: { ctx: TenantContext; runtime: SalesforceRuntime }) {
  requireRole(ctx, "admin");
  requireState(await withTenant(ctx, loadConnection), ["validated"], "preview the fields");
  const described = await withStoredLogin(ctx, runtime, (credentials) => runtime.gateway.describe(credentials));
  return {
    orgId: described.orgId,
    objects: described.schema.objects,
    missing: described.schema.missing,
    totalFields: described.schema.objects.reduce((n, o) => n + o.fields.length, 0),
  };
}
