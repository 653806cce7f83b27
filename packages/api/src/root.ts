import { accountRouter } from "./routers/account";
import { auditRouter, invitationRouter, memberRouter, outboxRouter } from "./routers/team";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  account: accountRouter,
  member: memberRouter,
  invitation: invitationRouter,
  outbox: outboxRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
