import { accountRouter } from "./routers/account";
import { salesforceRouter } from "./routers/salesforce";
import { auditRouter, invitationRouter, memberRouter, notificationRouter, outboxRouter } from "./routers/team";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  member: memberRouter,
  invitation: invitationRouter,
  outbox: outboxRouter,
  audit: auditRouter,
  notification: notificationRouter,
  salesforce: salesforceRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
