import { Building2, Gauge, KeyRound, UserRound } from "lucide-react";
import { formatDateTime } from "@/lib/utils";
import type { ConnectionView } from "./types";

type SecretStatus = ConnectionView["secrets"]["password"];

/** That a secret is set, when and by whom: the portal shows no character of it. */
function secretLine(name: string, secret: SecretStatus): string {
  if (!secret) return `${name} not set`;
  return `${name} set${secret.setAt ? ` ${formatDateTime(secret.setAt)}` : ""}${secret.setBy ? ` by ${secret.setBy}` : ""}`;
}

/** What Validate learned: org, sync user and API allowance, and whether the secrets are set. */
export function OrgSummary({ connection }: { connection: ConnectionView }) {
  const org = connection.org;
  if (!org) return null;
  const items = [
    { icon: Building2, label: "Org", value: org.orgName ?? "Name not shared by Salesforce", sub: org.orgId, testId: "org-name" },
    { icon: UserRound, label: "Sync user", value: org.syncUsername ?? connection.username ?? "—", sub: connection.loginUrl ?? undefined, testId: "sync-user" },
    {
      icon: Gauge,
      label: "Daily API limit",
      value: org.apiDailyLimit === null ? "Unknown" : `${org.apiDailyLimit.toLocaleString("en-US")} calls`,
      sub: org.isSandbox ? "Sandbox org" : "Production org",
      testId: "api-limit",
    },
    {
      icon: KeyRound,
      label: connection.authType === "oauth" ? "Authorization" : "Secrets",
      value:
        connection.authType === "oauth"
          ? secretLine("OAuth refresh token", connection.secrets.refreshToken)
          : `${secretLine("Password", connection.secrets.password)} · ${secretLine("token", connection.secrets.securityToken)}`,
      sub: "Encrypted at rest; never shown",
      testId: "secret-masks",
    },
  ];
  return (
    <dl className="grid gap-3 sm:grid-cols-2" aria-label="Connected Salesforce org">
      {items.map((item) => (
        <div key={item.label} className="min-w-0 rounded-lg border bg-muted/30 px-3.5 py-3">
          <dt className="flex items-center gap-2 text-xs font-medium text-muted-foreground">
            <item.icon className="size-4 shrink-0" aria-hidden />
            {item.label}
          </dt>
          <dd className="mt-0.5 truncate text-sm font-medium" data-testid={item.testId}>
            {item.value}
          </dd>
          {item.sub ? <dd className="truncate font-mono text-xs text-muted-foreground">{item.sub}</dd> : null}
        </div>
      ))}
    </dl>
  );
}
