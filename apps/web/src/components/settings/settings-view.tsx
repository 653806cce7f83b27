"use client";

import { Lock } from "lucide-react";
import { hasRole } from "@/lib/session";
import { useActiveTenant } from "@/components/shell/tenant-context";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { NearRealTimeCard } from "@/components/sync/near-real-time-card";
import { ApiCapCard } from "./api-cap-card";
import { AuditCard } from "./audit-card";
import { InvitationsCard } from "./invitations-card";
import { MembersCard } from "./members-card";
import { OutboxCard } from "./outbox-card";
import { RoleBadge } from "./role-badge";

export function SettingsView() {
  const { me, tenant } = useActiveTenant();
  const support = me.support?.tenantId === tenant.id ? me.support : null;
  const isAdmin = hasRole(tenant.role, "admin");
  return (
    <div className="grid gap-6">
      <section aria-label="Tenant" className="flex flex-wrap items-center gap-x-6 gap-y-2 rounded-xl border bg-card px-6 py-4 text-sm">
        <div>
          <span className="text-muted-foreground">Tenant</span>
          <p className="font-medium">{tenant.name}</p>
        </div>
        <div>
          <span className="text-muted-foreground">Slug</span>
          <p className="font-mono text-[13px]">{tenant.slug}</p>
        </div>
        <div>
          <span className="text-muted-foreground">Your role</span>
          <p className="mt-0.5">
            {support ? (
              <Badge variant="warning">{support.mode === "write" ? "Support (write)" : "Support (read-only)"}</Badge>
            ) : (
              <RoleBadge role={tenant.role} />
            )}
          </p>
        </div>
      </section>
      <ApiCapCard canEdit={isAdmin && (!support || support.mode === "write")} />
      <NearRealTimeCard canEdit={isAdmin && (!support || support.mode === "write")} charts={false} />
      <MembersCard />
      {isAdmin ? (
        <>
          <InvitationsCard />
          <OutboxCard />
          <AuditCard />
        </>
      ) : (
        <Alert>
          <Lock aria-hidden />
          <AlertDescription>Inviting people and reading the audit log need the admin or owner role. Ask an admin of {tenant.name}.</AlertDescription>
        </Alert>
      )}
    </div>
  );
}
