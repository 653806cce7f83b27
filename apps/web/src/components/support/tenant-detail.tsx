"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { ArrowLeft } from "lucide-react";
import { useMe } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";
import { formatDateTime } from "@/lib/utils";
import { PageHeader } from "@/components/page-header";
import { QueryError } from "@/components/settings/query-error";
import { RoleBadge } from "@/components/settings/role-badge";
import { TableSkeleton } from "@/components/settings/table-skeleton";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { EnterTenantDialog } from "./enter-tenant-dialog";
import { DASH, words } from "./format";

function Section({ id, title, description, empty, children }: { id: string; title: string; description?: string; empty: boolean; children: React.ReactNode }) {
  return (
    <Card aria-labelledby={id}>
      <CardHeader>
        <div>
          <CardTitle id={id}>{title}</CardTitle>
          {description ? <CardDescription className="mt-1">{description}</CardDescription> : null}
        </div>
      </CardHeader>
      {empty ? <p className="px-6 pb-6 text-sm text-muted-foreground">Nothing recorded yet.</p> : <div className="overflow-x-auto">{children}</div>}
    </Card>
  );
}

export function SupportTenantDetail({ tenantId }: { tenantId: string }) {
  const trpc = useTRPC();
  const me = useMe();
  const detail = useQuery(trpc.support.tenant.queryOptions({ tenantId }));
  const support = me.data?.support;

  if (detail.isPending) return <TableSkeleton rows={6} columns={4} />;
  if (detail.isError) return <QueryError error={detail.error} onRetry={() => void detail.refetch()} />;
  const { tenant, connection, sync, runs, errors, members, grants, audit } = detail.data;
  const insideThis = support?.tenantId === tenant.id;

  return (
    <div className="grid gap-6">
      <Link href="/support" className="inline-flex w-fit items-center gap-1.5 text-sm text-muted-foreground hover:text-foreground">
        <ArrowLeft className="size-4" aria-hidden />
        All tenants
      </Link>
      <PageHeader
        title={tenant.name}
        description={`${tenant.slug} · created ${formatDateTime(tenant.createdAt)}`}
        actions={
          insideThis ? (
            <Badge variant="warning">You are inside this tenant</Badge>
          ) : (
            <EnterTenantDialog tenantId={tenant.id} tenantName={tenant.name} disabled={Boolean(support)} />
          )
        }
      />
      {support && !insideThis ? <p className="text-sm text-muted-foreground">End your access to {support.tenantName} before entering another tenant.</p> : null}

      <section aria-label="Health" className="grid gap-3 rounded-xl border bg-card px-6 py-4 text-sm sm:grid-cols-4">
        <div>
          <span className="text-muted-foreground">Connection</span>
          <p className="font-medium">{connection ? words(connection.state) : DASH}</p>
          {connection?.orgName ? <p className="text-[13px] text-muted-foreground">{connection.orgName}</p> : null}
        </div>
        <div>
          <span className="text-muted-foreground">Sync</span>
          <p className="font-medium">{sync ? words(sync.state) : DASH}</p>
          {sync?.message ? <p className="text-[13px] text-muted-foreground">{sync.message}</p> : null}
        </div>
        <div>
          <span className="text-muted-foreground">API used / cap</span>
          <p className="font-medium tabular-nums">
            {sync?.apiUsed ?? DASH} / {connection?.apiDailyCap ?? sync?.apiLimit ?? connection?.apiDailyLimit ?? DASH}
          </p>
        </div>
        <div>
          <span className="text-muted-foreground">Last synced</span>
          <p className="font-medium">{sync?.lastSyncedAt ? formatDateTime(sync.lastSyncedAt) : DASH}</p>
        </div>
        {connection?.lastError ? <p className="text-destructive sm:col-span-4">Connection error: {connection.lastError}</p> : null}
      </section>

      <Section id="runs-title" title="Sync runs" empty={runs.length === 0}>
        <Table aria-labelledby="runs-title">
          <TableHeader>
            <TableRow>
              <TableHead>Started</TableHead>
              <TableHead>Kind</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Error</TableHead>
              <TableHead className="text-right">API calls</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {runs.map((run) => (
              <TableRow key={run.id}>
                <TableCell className="whitespace-nowrap">{formatDateTime(run.startedAt)}</TableCell>
                <TableCell>{run.kind}</TableCell>
                <TableCell>{words(run.status)}</TableCell>
                <TableCell className="max-w-[20rem] truncate">{run.error ?? DASH}</TableCell>
                <TableCell className="text-right tabular-nums">{run.apiCalls}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Section id="errors-title" title="Sync errors" empty={errors.length === 0}>
        <Table aria-labelledby="errors-title">
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Code</TableHead>
              <TableHead>Message</TableHead>
              <TableHead>State</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {errors.map((error) => (
              <TableRow key={error.id}>
                <TableCell className="whitespace-nowrap">{formatDateTime(error.createdAt)}</TableCell>
                <TableCell>
                  <code className="font-mono text-xs">{error.code}</code>
                </TableCell>
                <TableCell className="max-w-[24rem] truncate" title={error.message}>
                  {error.object ? `${error.object}: ` : ""}
                  {error.message}
                </TableCell>
                <TableCell>{error.state}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Section id="console-members-title" title="Members" empty={members.length === 0}>
        <Table aria-labelledby="console-members-title">
          <TableBody>
            {members.map((member) => (
              <TableRow key={member.userId}>
                <TableCell className="font-medium">{member.name}</TableCell>
                <TableCell className="text-muted-foreground">{member.email}</TableCell>
                <TableCell className="text-right">
                  <RoleBadge role={member.role} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Section id="grants-title" title="Support access" description="Every time Ferry support entered this tenant." empty={grants.length === 0}>
        <Table aria-labelledby="grants-title">
          <TableHeader>
            <TableRow>
              <TableHead>Started</TableHead>
              <TableHead>Staff</TableHead>
              <TableHead>Reason</TableHead>
              <TableHead>Mode</TableHead>
              <TableHead>Ended</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {grants.map((grant) => (
              <TableRow key={grant.id}>
                <TableCell className="whitespace-nowrap">{formatDateTime(grant.startedAt)}</TableCell>
                <TableCell>{grant.staffName ?? DASH}</TableCell>
                <TableCell className="max-w-[20rem]">
                  {grant.reason}
                  {grant.ticket ? <span className="block text-[13px] text-muted-foreground">Ticket {grant.ticket}</span> : null}
                  {grant.elevationReason ? <span className="block text-[13px] text-muted-foreground">Write: {grant.elevationReason}</span> : null}
                </TableCell>
                <TableCell>{grant.mode === "write" ? "write" : "read-only"}</TableCell>
                <TableCell className="whitespace-nowrap">
                  {grant.endedAt ? `${formatDateTime(grant.endedAt)} (${words(grant.endReason)})` : `open until ${formatDateTime(grant.expiresAt)}`}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>

      <Section id="console-audit-title" title="Audit log" empty={audit.length === 0}>
        <Table aria-labelledby="console-audit-title">
          <TableHeader>
            <TableRow>
              <TableHead>When</TableHead>
              <TableHead>Actor</TableHead>
              <TableHead>Action</TableHead>
              <TableHead>Reason</TableHead>
              <TableHead className="text-right">Request</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {audit.map((entry) => (
              <TableRow key={entry.id}>
                <TableCell className="whitespace-nowrap">{formatDateTime(entry.createdAt)}</TableCell>
                <TableCell>
                  {entry.actorName ?? entry.actorEmail ?? entry.actorUserId}
                  {entry.supportGrantId ? (
                    <Badge variant="warning" className="ml-2">
                      Ferry support
                    </Badge>
                  ) : null}
                </TableCell>
                <TableCell>
                  <code className="font-mono text-xs">{entry.action}</code> <span className="text-muted-foreground">{entry.outcome}</span>
                </TableCell>
                <TableCell className="max-w-[18rem] truncate">{entry.reason ?? DASH}</TableCell>
                <TableCell className="text-right font-mono text-xs text-muted-foreground">{entry.requestId?.slice(0, 8) ?? DASH}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Section>
    </div>
  );
}
