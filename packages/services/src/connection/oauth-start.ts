import { randomBytes } from "node:crypto";
import { z } from "zod";
import { salesforceConnections, withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, ValidationError } from "../errors";
import { sealSecret } from "../secrets/seal";
import type { SalesforceRuntime } from "./gateway";
import { LoginHostError, resolveLoginUrl } from "./hosts";
import { loadConnection, secretContext } from "./stored";
import { loginHostOf } from "./validate";

export const oauthStartInput = z.object({
  sandbox: z.boolean(),
  customDomain: z.string().trim().max(255, "That domain is too long.").optional(),
});

/**
 * "Log in to Salesforce": the authorize URL of the web-server flow with PKCE and a random `state`.
 * The verifier is sealed on the connection until the callback; a new start replaces an older one.
 */
export async function startOAuthAuthorization({
  ctx,
  input,
  runtime,
}: {
  ctx: TenantContext;
  input: z.infer<typeof oauthStartInput>;
  runtime: SalesforceRuntime;
}) {
  requireRole(ctx, "admin");
  const parsed = oauthStartInput.parse(input);
  if (!runtime.oauth) throw new ValidationError("OAuth is not configured on this Ferry installation; use username, password and security token.");
  const loginHost = loginHostOf(parsed);
  let loginUrl: string;
  try {
    loginUrl = resolveLoginUrl(loginHost, parsed.customDomain, runtime.hosts);
  } catch (error) {
    if (error instanceof LoginHostError) throw new ValidationError(error.message, "customDomain");
    throw error;
  }
  const state = randomBytes(24).toString("base64url");
  const request = runtime.gateway.authorizationRequest({ loginUrl, client: runtime.oauth, state });
  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    if (row && row.authType !== "oauth") throw new ConflictError("This tenant uses username and password; switch it to OAuth first.");
    const pending = {
      state,
      codeVerifier: sealSecret(request.codeVerifier, runtime.masterKey, secretContext(ctx.tenantId, "codeVerifier")),
      loginHost,
      customDomain: loginHost === "custom" ? loginUrl : null,
      loginUrl,
      startedAt: new Date().toISOString(),
    };
    await tx
      .insert(salesforceConnections)
      .values({ tenantId: ctx.tenantId, authType: "oauth", oauthPending: pending })
      .onConflictDoUpdate({ target: salesforceConnections.tenantId, set: { oauthPending: pending, updatedAt: new Date() } });
    await recordAudit(tx, ctx, { action: "salesforce.oauth.start", targetType: "salesforce_connection", details: { loginHost } });
    return { authorizeUrl: request.url };
  });
}
