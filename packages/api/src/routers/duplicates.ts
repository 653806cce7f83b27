import { duplicatesInput, exportDuplicates, listDuplicates, summarizeDuplicates } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

export const duplicateRouter = router({
  list: tenantProcedure.input(duplicatesInput).query(({ ctx, input }) => listDuplicates({ ctx: ctx.tenant, input })),
  summary: tenantProcedure.query(({ ctx }) => summarizeDuplicates({ ctx: ctx.tenant })),
  exportCsv: tenantProcedure.mutation(({ ctx }) => exportDuplicates({ ctx: ctx.tenant })),
});
