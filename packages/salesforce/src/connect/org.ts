import type { Connection } from "jsforce";
import { translateSalesforceError } from "./errors";
import type { OrgSummary } from "@ferry/services";
import type { LoginSession } from "./login";

async function organizationName(connection: Connection): Promise<{ name: string | null; isSandbox: boolean | null }> {
  try {
    const result = await connection.query<{ Name: string; IsSandbox: boolean }>("SELECT Name, IsSandbox FROM Organization LIMIT 1");
    const row = result.records[0];
    return { name: row?.Name ?? null, isSandbox: row?.IsSandbox ?? null };
  } catch {
    // Orgs (and the emulator) that do not expose Organization to the sync user: the name stays unknown.
    return { name: null, isSandbox: null };
  }
}

/** Who Ferry logged in as and what the org allows: shown after Validate and stored with the connection. */
export async function describeOrg(session: LoginSession, loginUrl: string): Promise<OrgSummary> {
  const { connection } = session;
  try {
    const [identity, limits, org] = await Promise.all([
      connection.identity(),
      connection.limits(),
      session.orgName === null ? organizationName(connection) : Promise.resolve({ name: session.orgName, isSandbox: session.isSandbox }),
    ]);
    const daily = (limits as unknown as Record<string, { Max?: number; Remaining?: number } | undefined>).DailyApiRequests;
    return {
      orgId: session.orgId,
      orgName: org.name,
      instanceUrl: connection.instanceUrl,
      syncUserId: session.userId,
      syncUsername: identity.username,
      syncUserDisplayName: identity.display_name ?? null,
      apiDailyLimit: typeof daily?.Max === "number" ? daily.Max : null,
      apiDailyRemaining: typeof daily?.Remaining === "number" ? daily.Remaining : null,
      isSandbox: org.isSandbox,
    };
  } catch (error) {
    throw translateSalesforceError(error, { loginUrl });
  }
}
