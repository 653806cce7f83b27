import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import {
  ForbiddenError,
  resolveTenantAccess,
  SalesforceError,
  UnauthorizedError,
  type Actor,
  type TenantContext,
} from "@ferry/services";
import type { ApiContext } from "./context";
import { toTRPCError } from "./errors";

const t = initTRPC.context<ApiContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        zodIssues: cause instanceof z.ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })) : undefined,
        salesforceCode: cause instanceof SalesforceError ? cause.code : undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof z.ZodError) {
      const message = cause.issues.map((issue) => (issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message)).join("; ");
      throw new TRPCError({ code: "BAD_REQUEST", message, cause });
    }
    if (result.error.code !== "INTERNAL_SERVER_ERROR") throw result.error;
    const mapped = toTRPCError(cause ?? result.error);
    if (mapped.code === "INTERNAL_SERVER_ERROR") ctx.log?.error({ err: result.error.cause ?? result.error, path, requestId: ctx.requestId }, "procedure failed");
    throw mapped;
  }
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);

export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.session) throw toTRPCError(new UnauthorizedError("Sign in first."));
  const actor: Actor = {
    userId: ctx.session.user.id,
    email: ctx.session.user.email,
    name: ctx.session.user.name,
    isStaff: ctx.session.user.isStaff,
  };
  return next({ ctx: { ...ctx, session: ctx.session, actor } });
});

/** The tenant is the session's active tenant; membership (or a support grant) is resolved once here. */
export const tenantProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const tenantId = ctx.session.activeTenantId;
  if (!tenantId) throw toTRPCError(new ForbiddenError("Choose a tenant first."));
  const { access, tenantName } = await resolveTenantAccess({ db: ctx.db, actor: ctx.actor, tenantId });
  const tenant: TenantContext = { db: ctx.db, actor: ctx.actor, tenantId, access, requestId: ctx.requestId };
  return next({ ctx: { ...ctx, tenant, tenantName } });
});

export const staffProcedure = authedProcedure.use(({ ctx, next }) => {
  if (!ctx.actor.isStaff) throw toTRPCError(new ForbiddenError("Only Ferry support staff can do this."));
  return next();
});
