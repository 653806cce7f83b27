import { errorFilterInput, errorListInput, errorSelectionInput, exportSyncErrors, ignoreSyncErrors, listSyncErrors, retrySyncErrors } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

export const syncErrorRouter = router({
  list: tenantProcedure.input(errorListInput).query(({ ctx, input }) => listSyncErrors({ ctx: ctx.tenant, input })),
  retry: tenantProcedure.input(errorSelectionInput).mutation(({ ctx, input }) => retrySyncErrors({ ctx: ctx.tenant, input, runtime: ctx.salesforce })),
  ignore: tenantProcedure.input(errorSelectionInput).mutation(({ ctx, input }) => ignoreSyncErrors({ ctx: ctx.tenant, input })),
  exportCsv: tenantProcedure.input(errorFilterInput).mutation(({ ctx, input }) => exportSyncErrors({ ctx: ctx.tenant, input })),
});
