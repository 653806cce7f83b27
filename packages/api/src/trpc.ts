import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import {
  DomainError,
  ForbiddenError,
  resolveTenantAccess,
  SalesforceError,
  fieldPath,
  malformedText,
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
      message: unreadable(error)
        ? `The request could not be read (${readableDetail(error.message)}). Send the input as JSON in tRPC's format: {"json": …}.`
        : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        zodIssues: cause instanceof z.ZodError ? cause.issues.slice(0, MAX_ISSUES).map((i) => ({ path: fieldPath(i.path), message: i.message })) : undefined,
        salesforceCode: cause instanceof SalesforceError ? cause.code : undefined,
      },
    };
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * A body or query string tRPC or superjson could not turn into an input (bad JSON, an unknown
 * superjson type): tRPC passes the library's own words on, which name no fix.
 */
function unreadable(error: TRPCError): boolean {
  const { cause } = error;
  return (
    (error.code === "BAD_REQUEST" || error.code === "PARSE_ERROR") &&
    cause instanceof Error &&
    !(cause instanceof z.ZodError) &&
    !(cause instanceof DomainError)
  );
}

function readableDetail(message: string): string {
  const detail = message.replace(/ - check https?:\/\/\S+/g, "").trim();
  return detail.length > 160 ? `${detail.slice(0, 160)}…` : detail;
}

/** Enough problems to fix the input; a 10,000-element array of bad ids is not answered with 10,000 lines. */
const MAX_ISSUES = 10;

export { malformedText };

const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof z.ZodError) {
      const shown = cause.issues.slice(0, MAX_ISSUES).map((issue) => (issue.path.length ? `${fieldPath(issue.path)}: ${issue.message}` : issue.message));
      const more = cause.issues.length - shown.length;
      const message = `${shown.join("; ")}${more > 0 ? `; and ${more} more problem${more === 1 ? "" : "s"}` : ""}`;
      throw new TRPCError({ code: "BAD_REQUEST", message, cause });
    }
    if (result.error.code !== "INTERNAL_SERVER_ERROR") throw result.error;
    const mapped = toTRPCError(cause ?? result.error);
    if (mapped.code === "INTERNAL_SERVER_ERROR")
      ctx.log?.error({ err: result.error.cause ?? result.error, path, requestId: ctx.requestId }, "procedure failed");
    throw mapped;
  }
  return result;
});

/**
 * Postgres text cannot hold U+0000 and jsonb refuses a lone surrogate: text that is not well formed
 * is refused here for every procedure, naming the field, instead of failing in the database as a 500.
 */
const refuseMalformedText = t.middleware(async ({ next, getRawInput }) => {
  const found = malformedText(await getRawInput());
  if (found) throw new TRPCError({ code: "BAD_REQUEST", message: `${found.path ? `${found.path}: ` : ""}${found.problem}` });
  return next();
});

export const publicProcedure = t.procedure.use(mapErrors).use(refuseMalformedText);

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
