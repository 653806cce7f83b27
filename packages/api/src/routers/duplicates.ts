import { duplicatesInput, exportDuplicates, listDuplicates } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

export const duplicateRouter = router({
  list: tenantProcedure.input(duplicatesInput).query(({ ctx, input }) => listDuplicates({ ctx: ctx.tenant, input })),
  exportCsv: tenantProcedure.mutation(({ ctx }) => exportDuplicates({ ctx: ctx.tenant })),
});
