import { z } from "zod";
import { ConflictError, createTenantForOwner, currentSupportAccess, listTenantsForUser, setActiveTenant, ValidationError } from "@ferry/services";
import { authedProcedure, publicProcedure, router } from "../trpc";

const signUpInput = z.object({
  name: z.string().trim().min(1, "Enter your name.").max(80),
  email: z.email("Enter a valid email address."),
  password: z.string().min(10, "Use at least 10 characters.").max(128),
  // Absent when the person signs up to accept an invitation into an existing tenant.
  tenantName: z.string().trim().min(2, "A company name needs at least 2 characters.").max(80).optional(),
});

export const accountRouter = router({
  me: publicProcedure.query(async ({ ctx }) => {
    if (!ctx.session) return null;
    const memberOf = await listTenantsForUser({ db: ctx.platform, userId: ctx.session.user.id });
    const { user } = ctx.session;
    const grant = await currentSupportAccess({ db: ctx.platform, actor: { userId: user.id, email: user.email, name: user.name, isStaff: user.isStaff } });
    // A tenant entered through support access is shown as its admins see it; the server still refuses writes until elevated.
    const tenants = grant ? [...memberOf, { id: grant.tenantId, name: grant.tenantName, slug: grant.tenantSlug, role: "admin" as const }] : memberOf;
    return {
      user: ctx.session.user,
      activeTenantId: ctx.session.activeTenantId,
      tenants,
      support: grant
        ? { grantId: grant.grantId, tenantId: grant.tenantId, tenantName: grant.tenantName, mode: grant.mode, reason: grant.reason, ticket: grant.ticket, startedAt: grant.startedAt, expiresAt: grant.expiresAt }
        : null,
      sessionExpiresAt: ctx.session.expiresAt,
    };
  }),

  signUp: publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
    const response = await ctx.auth.api.signUpEmail({
      body: { name: input.name, email: input.email.toLowerCase(), password: input.password },
      headers: ctx.headers,
      asResponse: true,
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { message?: string; code?: string };
      if (body.code === "USER_ALREADY_EXISTS" || response.status === 422) {
        throw new ConflictError("An account with this email already exists. Sign in instead.");
      }
      throw new ValidationError(body.message ?? "Sign-up failed.");
    }
    const created = (await response.json()) as { user: { id: string; email: string; name: string } };
    for (const cookie of response.headers.getSetCookie()) ctx.appendResponseHeader("set-cookie", cookie);
    const actor = { userId: created.user.id, email: created.user.email, name: created.user.name, isStaff: false };
    if (!input.tenantName) return { tenantId: null };
    const tenant = await createTenantForOwner({ db: ctx.platform, actor, input: { name: input.tenantName } });
    const token = sessionTokenFrom(response.headers.getSetCookie());
    if (token) await setActiveTenant({ db: ctx.platform, actor, session: { token }, tenantId: tenant.tenantId });
    return { tenantId: tenant.tenantId };
  }),

  switchTenant: authedProcedure.input(z.object({ tenantId: z.string().min(1) })).mutation(async ({ ctx, input }) => {
    return setActiveTenant({ db: ctx.platform, actor: ctx.actor, session: { id: ctx.session.sessionId }, tenantId: input.tenantId });
  }),
});

function sessionTokenFrom(cookies: string[]): string | undefined {
  for (const cookie of cookies) {
    const match = /(?:^|\s)(?:__Secure-)?better-auth\.session_token=([^;]+)/.exec(cookie);
    if (match?.[1]) return decodeURIComponent(match[1]).split(".")[0];
  }
  return undefined;
}
