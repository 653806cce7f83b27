import { chartsInput, viewSyncCharts } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

export const chartRouter = router({
  sync: tenantProcedure.input(chartsInput).query(({ ctx, input }) => viewSyncCharts({ ctx: ctx.tenant, input })),
});
