import { exportSyncHistory, historyFilterInput, historyListInput, listSyncHistory, viewCurrentRun, viewSyncStatus } from "@ferry/services";
import { router, tenantProcedure } from "../trpc";

export const syncStatusRouter = router({
  badge: tenantProcedure.query(({ ctx }) => viewSyncStatus({ ctx: ctx.tenant })),
  currentRun: tenantProcedure.query(({ ctx }) => viewCurrentRun({ ctx: ctx.tenant })),
});

export const historyRouter = router({
  list: tenantProcedure.input(historyListInput).query(({ ctx, input }) => listSyncHistory({ ctx: ctx.tenant, input })),
  // A mutation so an export is only built when someone asks for the file.
  exportCsv: tenantProcedure.input(historyFilterInput).mutation(({ ctx, input }) => exportSyncHistory({ ctx: ctx.tenant, input })),
});
