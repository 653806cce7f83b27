import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { salesforceConnections, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { SalesforceError, ValidationError } from "../errors";
import { openSecret, sealSecret, secretSetting } from "../secrets/seal";
import type { OrgSummary, SalesforceRuntime } from "./gateway";
import { saveLogin } from "./save-login";
import { CONFIRMED_STATES, loadConnection, secretContext } from "./stored";
import { sameOrgProblem } from "./validate";

/** An authorization left unfinished this long is refused at the callback; the admin starts again. */
export const OAUTH_PENDING_MINUTES = 10;

export const oauthCallbackInput = z.object({
  state: z.string().max(200).optional(),
  code: z.string().max(2000).optional(),
  error: z.string().max(200).optional(),
  errorDescription: z.string().max(1000).optional(),
});

const sameState = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The OAuth callback: checks `state` against the pending authorization, exchanges the code with
 * the PKCE verifier, and stores the refresh token sealed. Denied, expired or foreign callbacks end
 * with a clear error and clear the pending authorization; no credential is half-stored.
 */
export async function completeOAuthAuthorization({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.infer<typeof oauthCallbackInput>;
  runtime: SalesforceRuntime;
}) {
  requireRole(ctx, "admin");
  const parsed = oauthCallbackInput.parse(input);
  const client = runtime.oauth;
  if (!client) throw new ValidationError("OAuth is not configured on this Ferry installation.");
  const row = await withTenant(ctx, loadConnection);
  const pending = row?.oauthPending;
  if (!row || !pending || !parsed.state || !sameState(pending.state, parsed.state)) {
    throw new ValidationError(
      'This Salesforce authorization does not match the one started here (it was already used, or started in another tab or tenant). Click "Log in to Salesforce" again.',
    );
  }
  const fail = async (error: SalesforceError) => {
    await withTenant(ctx, async (tx) => {
      await tx.update(salesforceConnections).set({ oauthPending: null, updatedAt: new Date() });
      await recordAudit(tx, ctx, {
        action: "salesforce.oauth.complete",
        outcome: "failure",
        targetType: "salesforce_connection",
        details: { code: error.code },
      });
    });
    return error;
  };
  if (parsed.error) {
    const denied = parsed.error === "access_denied";
    throw await fail(
      new SalesforceError(
        parsed.error,
        denied
          ? 'You chose Deny in Salesforce, so Ferry is not connected. Click "Log in to Salesforce" again and choose Allow.'
          : `Salesforce did not authorize Ferry: ${parsed.errorDescription ?? parsed.error}. Click "Log in to Salesforce" to try again.`,
      ),
    );
  }
  if (Date.now() - Date.parse(pending.startedAt) > OAUTH_PENDING_MINUTES * 60_000) {
    throw await fail(
      new SalesforceError(
        "AUTHORIZATION_EXPIRED",
        `The Salesforce authorization expired (it must finish within ${OAUTH_PENDING_MINUTES} minutes). Click "Log in to Salesforce" again.`,
      ),
    );
  }
  if (!parsed.code) throw await fail(new SalesforceError("NO_CODE", 'Salesforce returned without an authorization code. Click "Log in to Salesforce" again.'));

  let summary: OrgSummary & { refreshToken: string };
  try {
    const codeVerifier = openSecret(pending.codeVerifier, runtime.masterKey, secretContext(ctx.tenantId, "codeVerifier"));
    summary = await runtime.gateway.exchangeCode({ loginUrl: pending.loginUrl, client, codeVerifier, code: parsed.code });
  } catch (error) {
    if (error instanceof SalesforceError) {
      throw await fail(
        error.code === "invalid_grant"
          ? new SalesforceError("invalid_grant", 'The Salesforce authorization code expired or was already used. Click "Log in to Salesforce" again.', {
              cause: error,
            })
          : error,
      );
    }
    throw error;
  }

  return withTenant(ctx, async (tx) => {
    const current = await loadConnection(tx);
    const locked = current ? CONFIRMED_STATES.includes(current.state) : false;
    if (current && locked) {
      const problem = sameOrgProblem(current, summary, pending.loginHost);
      if (problem) {
        await tx.update(salesforceConnections).set({ oauthPending: null });
        await recordAudit(tx, ctx, {
          action: "salesforce.credentials.update",
          outcome: "denied",
          reason: problem,
          targetType: "salesforce_connection",
          details: { attemptedOrgId: summary.orgId },
        });
        return { ok: false as const, message: problem };
      }
    }
    await saveLogin(tx, ctx, {
      current,
      locked,
      summary,
      loginHost: pending.loginHost,
      credentials: {
        authType: "oauth",
        customDomain: pending.customDomain,
        loginUrl: pending.loginUrl,
        username: summary.syncUsername,
        password: null,
        securityToken: null,
        refreshToken: sealSecret(summary.refreshToken, runtime.masterKey, secretContext(ctx.tenantId, "refreshToken")),
        oauthClientId: client.clientId,
        oauthClientSecret: sealSecret(client.clientSecret, runtime.masterKey, secretContext(ctx.tenantId, "oauthClientSecret")),
        secretMasks: { password: null, securityToken: null, refreshToken: secretSetting(summary.refreshToken, ctx.actor.name) },
      },
      action: locked ? "salesforce.credentials.update" : "salesforce.oauth.complete",
      details: {},
    });
    return { ok: true as const, orgId: summary.orgId, orgName: summary.orgName, syncUsername: summary.syncUsername };
  });
}
