import { editRecord, editRecordInput, listRecordOwners, listRecords, recordListInput, recordRefInput, viewRecord } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

export const recordRouter = router({
  list: tenantProcedure.input(recordListInput).query(({ ctx, input }) => listRecords({ ctx: ctx.tenant, input })),
  owners: tenantProcedure.query(({ ctx }) => listRecordOwners({ ctx: ctx.tenant })),
  view: tenantProcedure.input(recordRefInput).query(({ ctx, input }) => viewRecord({ ctx: ctx.tenant, input })),
  edit: tenantProcedure.input(editRecordInput).mutation(({ ctx, input }) => editRecord({ ctx: ctx.tenant, input, runtime: ctx.salesforce })),
});
