"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc";
import { formatDate, initials } from "@/lib/utils";
import { useActiveTenant } from "@/components/shell/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { QueryError } from "./query-error";
import { RoleBadge } from "./role-badge";
import { TableSkeleton } from "./table-skeleton";

export function MembersCard() {
  const trpc = useTRPC();
  const { me } = useActiveTenant();
  const members = useQuery(trpc.member.list.queryOptions());

  return (
    <Card aria-labelledby="members-title">
      <CardHeader>
        <div>
          <CardTitle id="members-title">Members</CardTitle>
          <CardDescription className="mt-1">People who can sign in to this tenant.</CardDescription>
        </div>
      </CardHeader>
      {members.isPending ? (
        <TableSkeleton rows={2} />
      ) : members.isError ? (
        <QueryError error={members.error} onRetry={() => void members.refetch()} />
      ) : (
        <Table aria-labelledby="members-title">
          <TableHeader>
            <TableRow>
              <TableHead>Name</TableHead>
              <TableHead>Role</TableHead>
              <TableHead className="text-right">Joined</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {members.data.map((member) => (
              <TableRow key={member.id}>
                <TableCell>
                  <div className="flex items-center gap-3">
                    <span
                      aria-hidden
                      className="flex size-8 shrink-0 items-center justify-center rounded-full bg-muted text-xs font-semibold text-muted-foreground"
                    >
                      {initials(member.name)}
                    </span>
                    <div className="min-w-0">
                      <p className="flex items-center gap-2 truncate font-medium">
                        {member.name}
                        {member.userId === me.user.id ? <Badge variant="secondary">You</Badge> : null}
                      </p>
                      <p className="truncate text-[13px] text-muted-foreground">{member.email}</p>
                    </div>
                  </div>
                </TableCell>
                <TableCell>
                  <RoleBadge role={member.role} />
                </TableCell>
                <TableCell className="text-right whitespace-nowrap text-muted-foreground">{formatDate(member.joinedAt)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
