import { accountRouter } from "./routers/account";
import { salesforceRouter } from "./routers/salesforce";
import { chartRouter } from "./routers/charts";
import { duplicateRouter } from "./routers/duplicates";
import { historyRouter, syncStatusRouter } from "./routers/history";
import { recordRouter } from "./routers/records";
import { syncErrorRouter } from "./routers/syncErrors";
import { memberRouter } from "./routers/members";
import { supportRouter } from "./routers/support";
import { auditRouter, invitationRouter, notificationRouter, outboxRouter } from "./routers/team";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  member: memberRouter,
  invitation: invitationRouter,
  outbox: outboxRouter,
  audit: auditRouter,
  notification: notificationRouter,
  salesforce: salesforceRouter,
  syncStatus: syncStatusRouter,
  history: historyRouter,
  syncError: syncErrorRouter,
  chart: chartRouter,
  record: recordRouter,
  duplicate: duplicateRouter,
  support: supportRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
