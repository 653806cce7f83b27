import { z } from "zod";
import { CLIENT_ADDRESS_HEADER, verificationLinkFor } from "@ferry/auth";
import {
  ConflictError,
  createTenantForOwner,
  currentSupportAccess,
  emailAddress,
  idText,
  listTenantsForUser,
  sendVerificationMail,
  setActiveTenant,
  text,
  undoSignUp,
  ValidationError,
} from "@ferry/services";
import { authedProcedure, publicProcedure, router, tenantProcedure } from "../trpc";

// Refused before anything is written: a lone surrogate or noncharacter cannot be stored (jsonb
// and UTF-8 refuse it), and a failure after better-auth created the user would strand the account.
const signUpInput = z.object({
  name: text(80).pipe(z.string().trim().min(1, "Enter your name.")),
  email: emailAddress,
  password: text(128).pipe(z.string().min(10, "Use at least 10 characters.")),
  // Absent when the person signs up to accept an invitation into an existing tenant.
  tenantName: text(80).pipe(z.string().trim().min(2, "A company name needs at least 2 characters.")).optional(),
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
        ? {
            grantId: grant.grantId,
            tenantId: grant.tenantId,
            tenantName: grant.tenantName,
            mode: grant.mode,
            reason: grant.reason,
            ticket: grant.ticket,
            startedAt: grant.startedAt,
            expiresAt: grant.expiresAt,
          }
        : null,
      sessionExpiresAt: ctx.session.expiresAt,
    };
  }),

  signUp: publicProcedure.input(signUpInput).mutation(async ({ ctx, input }) => {
    const response = await ctx.auth.api.signUpEmail({
      body: { name: input.name, email: input.email.toLowerCase(), password: input.password },
      headers: withoutClientAddress(ctx.headers),
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
    const actor = { userId: created.user.id, email: created.user.email, name: created.user.name, isStaff: false };
    const cookies = response.headers.getSetCookie();
    // better-auth has committed the user; the rest either completes or the account is removed
    // again, so a retry starts clean instead of meeting "already exists" with no tenant.
    let tenantId: string | undefined;
    try {
      if (input.tenantName) {
        const link = await verificationLinkFor(ctx.auth, created.user);
        tenantId = (await createTenantForOwner({ db: ctx.platform, actor, input: { name: input.tenantName }, verificationLink: link })).tenantId;
        const token = sessionTokenFrom(cookies);
        if (token) await setActiveTenant({ db: ctx.platform, actor, session: { token }, tenantId });
      }
    } catch (error) {
      await undoSignUp({ db: ctx.platform, userId: created.user.id, tenantId });
      throw error;
    }
    for (const cookie of cookies) ctx.appendResponseHeader("set-cookie", cookie);
    return { tenantId: tenantId ?? null };
  }),

  /** "Send the link again" from the verify-your-email notice. */
  sendVerification: tenantProcedure.mutation(async ({ ctx }) => {
    const link = await verificationLinkFor(ctx.auth, { id: ctx.actor.userId, email: ctx.actor.email });
    return sendVerificationMail({ ctx: ctx.tenant, emailVerified: ctx.session.user.emailVerified, link });
  }),

  switchTenant: authedProcedure.input(z.object({ tenantId: idText })).mutation(async ({ ctx, input }) => {
    return setActiveTenant({ db: ctx.platform, actor: ctx.actor, session: { id: ctx.session.sessionId }, tenantId: input.tenantId });
  }),
});

/** The door sets the client address for better-auth; on this path (tRPC) a client could set it itself. */
function withoutClientAddress(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete(CLIENT_ADDRESS_HEADER);
  return copy;
}

function sessionTokenFrom(cookies: string[]): string | undefined {
  for (const cookie of cookies) {
    const match = /(?:^|\s)(?:__Secure-)?better-auth\.session_token=([^;]+)/.exec(cookie);
    if (match?.[1]) return decodeURIComponent(match[1]).split(".")[0];
  }
  return undefined;
}
