import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  acceptMappings,
  apiCapInput,
  authTypeInput,
  commitCatalogInput,
  commitFieldCatalog,
  completeOAuthAuthorization,
  confirmCredentials,
  confirmInput,
  credentialsInput,
  listFieldCatalog,
  listMappings,
  oauthCallbackInput,
  oauthStartInput,
  previewFieldCatalog,
  nearRealTimeInput,
  setApiCap,
  setAuthType,
  setNearRealTime,
  startOAuthAuthorization,
  startSalesforceSync,
  startSyncInput,
  updateMapping,
  updateMappingInput,
  validateCredentials,
  viewConnection,
  viewNearRealTime,
  type SalesforceRuntime,
} from "@ferry/services";
import { salesforceGateway } from "@ferry/salesforce";
import type { ApiContext } from "../context";
import { tenantProcedure, router } from "../trpc";

/** The process's Salesforce settings with the jsforce gateway; a process without them cannot connect orgs. */
function salesforceRuntime(ctx: ApiContext): SalesforceRuntime {
  if (!ctx.salesforce) throw new TRPCError({ code: "PRECONDITION_FAILED", message: "Salesforce connections are not available on this server." });
  return { ...ctx.salesforce, gateway: salesforceGateway };
}

const viewOnly = (ctx: ApiContext) => ({ oauth: ctx.salesforce?.oauth, demo: ctx.salesforce?.demo });

export const salesforceRouter = router({
  connection: tenantProcedure.query(({ ctx }) => viewConnection({ ctx: ctx.tenant, runtime: viewOnly(ctx) })),
  setAuthType: tenantProcedure.input(authTypeInput).mutation(({ ctx, input }) => setAuthType({ ctx: ctx.tenant, input, runtime: viewOnly(ctx) })),
  validate: tenantProcedure
    .input(credentialsInput)
    .mutation(({ ctx, input }) => validateCredentials({ ctx: ctx.tenant, input, runtime: salesforceRuntime(ctx) })),
  startOAuth: tenantProcedure
    .input(oauthStartInput)
    .mutation(({ ctx, input }) => startOAuthAuthorization({ ctx: ctx.tenant, input, runtime: salesforceRuntime(ctx) })),
  completeOAuth: tenantProcedure
    .input(oauthCallbackInput)
    .mutation(({ ctx, input }) => completeOAuthAuthorization({ ctx: ctx.tenant, input, runtime: salesforceRuntime(ctx) })),
  // A mutation, not a query: describing spends the org's API calls, so it runs only when asked.
  previewFields: tenantProcedure.mutation(({ ctx }) => previewFieldCatalog({ ctx: ctx.tenant, runtime: salesforceRuntime(ctx) })),
  commitFields: tenantProcedure
    .input(commitCatalogInput)
    .mutation(({ ctx, input }) => commitFieldCatalog({ ctx: ctx.tenant, input, runtime: salesforceRuntime(ctx) })),
  catalog: tenantProcedure.query(({ ctx }) => listFieldCatalog({ ctx: ctx.tenant })),
  confirm: tenantProcedure.input(confirmInput).mutation(({ ctx, input }) => confirmCredentials({ ctx: ctx.tenant, input })),
  mappings: tenantProcedure.query(({ ctx }) => listMappings({ ctx: ctx.tenant })),
  updateMapping: tenantProcedure.input(updateMappingInput).mutation(({ ctx, input }) => updateMapping({ ctx: ctx.tenant, input })),
  acceptMappings: tenantProcedure.input(z.object({}).optional()).mutation(({ ctx }) => acceptMappings({ ctx: ctx.tenant })),
  setApiCap: tenantProcedure.input(apiCapInput).mutation(({ ctx, input }) => setApiCap({ ctx: ctx.tenant, input })),
  nearRealTime: tenantProcedure.query(({ ctx }) => viewNearRealTime({ ctx: ctx.tenant })),
  setNearRealTime: tenantProcedure.input(nearRealTimeInput).mutation(({ ctx, input }) => setNearRealTime({ ctx: ctx.tenant, input })),
  startSync: tenantProcedure.input(startSyncInput).mutation(async ({ ctx, input }) => {
    const run = await startSalesforceSync({ ctx: ctx.tenant, input, runtime: salesforceRuntime(ctx) });
    await ctx.events
      ?.emit(ctx.tenant.tenantId, "sync.status", {
        tenantId: ctx.tenant.tenantId,
        state: "running",
        message: "Initial sync queued; it starts as soon as a worker is free.",
      })
      .catch((error: unknown) => ctx.log?.warn({ err: error, requestId: ctx.requestId }, "sync status not delivered"));
    return run;
  }),
});
