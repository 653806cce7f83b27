import { z } from "zod";
import { withTenant } from "@ferry/db";
import { recordAudit } from "../audit/record";
import { requireRole, type TenantContext } from "../context";
import { ConflictError, SalesforceError, ValidationError } from "../errors";
import { sealSecret, secretSetting } from "../secrets/seal";
import type { OrgSummary, SalesforceRuntime } from "./gateway";
import { LoginHostError, resolveLoginUrl, type LoginHostChoice } from "./hosts";
import { saveLogin } from "./save-login";
import { CONFIRMED_STATES, loadConnection, secretContext, type ConnectionRow } from "./stored";

export const credentialsInput = z.object({
  username: z.string().trim().min(3, "Enter the sync user's Salesforce username.").max(80, "Salesforce usernames are at most 80 characters."),
  password: z.string().min(1, "Enter the sync user's password.").max(128, "That password is longer than Salesforce allows (128 characters)."),
  securityToken: z
    .string()
    .trim()
    .max(64, "A security token is at most 64 characters; paste only the token from Salesforce's email.")
    .regex(/^[A-Za-z0-9]*$/, "A security token has only letters and digits; paste it exactly as in Salesforce's email."),
  sandbox: z.boolean(),
  customDomain: z.string().trim().max(255, "That domain is too long.").optional(),
});
export type CredentialsInput = z.infer<typeof credentialsInput>;

export function loginHostOf(input: { sandbox: boolean; customDomain?: string | undefined }): LoginHostChoice {
  return input.customDomain ? "custom" : input.sandbox ? "sandbox" : "production";
}

/** Once confirmed, new credentials must reach the very same org through the same kind of login host. */
export function sameOrgProblem(row: ConnectionRow, summary: OrgSummary, loginHost: LoginHostChoice): string | null {
  if (summary.orgId !== row.orgId) {
    return `These credentials log into org ${summary.orgId}${summary.orgName ? ` (${summary.orgName})` : ""}, but this tenant is locked to org ${row.orgId}${row.orgName ? ` (${row.orgName})` : ""}. Ferry never switches orgs after Confirm Credentials; enter credentials of a user in ${row.orgId}.`;
  }
  const wasSandbox = row.loginHost === "sandbox" || row.orgIsSandbox === true;
  const isSandbox = loginHost === "sandbox" || summary.isSandbox === true;
  if (wasSandbox !== isSandbox) {
    return `This tenant is connected to a ${wasSandbox ? "sandbox" : "production"} org; switching to ${isSandbox ? "sandbox" : "production"} is not allowed after Confirm Credentials.`;
  }
  return null;
}

/**
 * "Validate": logs in for real, and only then stores the credentials (sealed) with what Salesforce
 * said about the org, in one transaction. After Confirm Credentials the same verb updates expired
 * credentials, but only for the same org.
 */
export async function validateCredentials({ ctx, input, runtime }: { ctx: TenantContext; input: CredentialsInput; runtime: SalesforceRuntime }) {
  requireRole(ctx, "admin");
  const parsed = credentialsInput.parse(input);
  const loginHost = loginHostOf(parsed);
  let loginUrl: string;
  try {
    loginUrl = resolveLoginUrl(loginHost, parsed.customDomain, runtime.hosts);
  } catch (error) {
    if (error instanceof LoginHostError) throw new ValidationError(error.message, "customDomain");
    throw error;
  }
  const before = await withTenant(ctx, loadConnection);
  if (before?.authType === "oauth") {
    throw new ConflictError(
      CONFIRMED_STATES.includes(before.state)
        ? 'This tenant connects through OAuth and is locked to its org; use "Log in to Salesforce" to renew the authorization.'
        : 'This tenant is set to OAuth; use "Log in to Salesforce", or switch it to username and password first.',
    );
  }

  let summary: OrgSummary;
  try {
    summary = await runtime.gateway.validate({
      kind: "password",
      loginUrl,
      username: parsed.username,
      password: parsed.password,
      securityToken: parsed.securityToken,
    });
  } catch (error) {
    if (error instanceof SalesforceError) {
      await withTenant(ctx, (tx) =>
        recordAudit(tx, ctx, {
          action: "salesforce.credentials.validate",
          outcome: "failure",
          targetType: "salesforce_connection",
          details: { code: error.code, loginHost },
        }),
      );
    }
    throw error;
  }

  return withTenant(ctx, async (tx) => {
    const row = await loadConnection(tx);
    const locked = row ? CONFIRMED_STATES.includes(row.state) : false;
    if (row && locked) {
      const problem = sameOrgProblem(row, summary, loginHost);
      if (problem) {
        await recordAudit(tx, ctx, {
          action: "salesforce.credentials.update",
          outcome: "denied",
          targetType: "salesforce_connection",
          targetId: row.orgId ?? undefined,
          reason: problem,
          details: { attemptedOrgId: summary.orgId },
        });
        throw new ConflictError(problem);
      }
    }
    const seal = (value: string, name: "password" | "securityToken") => sealSecret(value, runtime.masterKey, secretContext(ctx.tenantId, name));
    await saveLogin(tx, ctx, {
      current: row,
      locked,
      summary,
      loginHost,
      credentials: {
        authType: "password",
        customDomain: loginHost === "custom" ? loginUrl : null,
        loginUrl,
        username: parsed.username,
        password: seal(parsed.password, "password"),
        securityToken: seal(parsed.securityToken, "securityToken"),
        refreshToken: null,
        oauthClientId: null,
        oauthClientSecret: null,
        secretMasks: {
          password: secretSetting(parsed.password, ctx.actor.name),
          securityToken: secretSetting(parsed.securityToken, ctx.actor.name),
          refreshToken: null,
        },
      },
      action: locked ? "salesforce.credentials.update" : "salesforce.credentials.validate",
      details: { orgName: summary.orgName },
    });
    return { ...summary, loginHost, updatedLockedCredentials: locked };
  });
}
