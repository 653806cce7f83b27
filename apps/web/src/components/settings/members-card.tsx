"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MoreHorizontal } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { hasRole, type RouterOutputs } from "@/lib/session";
import { useTRPC } from "@/lib/trpc";
import { formatDate, initials } from "@/lib/utils";
import { useActiveTenant } from "@/components/shell/tenant-context";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { QueryError } from "./query-error";
import { RoleBadge } from "./role-badge";
import { TableSkeleton } from "./table-skeleton";

type Member = RouterOutputs["member"]["list"][number];
type Pending = { kind: "remove" | "transfer"; member: Member } | { kind: "leave" };

export function MembersCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const { me, tenant } = useActiveTenant();
  const members = useQuery(trpc.member.list.queryOptions());
  const [pending, setPending] = useState<Pending | null>(null);
  const isSupport = me.support?.tenantId === tenant.id;
  const isAdmin = hasRole(tenant.role, "admin");
  const isOwner = tenant.role === "owner" && !isSupport;

  const refresh = () =>
    Promise.all([queryClient.invalidateQueries(trpc.member.list.pathFilter()), queryClient.invalidateQueries(trpc.audit.list.pathFilter())]);
  const onError = (error: unknown) => toast.error("That did not work", errorInfo(error).message);
  const updateRole = useMutation(trpc.member.updateRole.mutationOptions({ onSuccess: refresh, onError }));
  const remove = useMutation(
    trpc.member.remove.mutationOptions({
      onSuccess: () => {
        setPending(null);
        return refresh();
      },
    }),
  );
  const transfer = useMutation(
    trpc.member.transferOwnership.mutationOptions({
      onSuccess: async () => {
        setPending(null);
        await queryClient.invalidateQueries();
      },
    }),
  );
  const leave = useMutation(
    trpc.member.leave.mutationOptions({
      onSuccess: async () => {
        setPending(null);
        await queryClient.resetQueries();
        router.push("/");
      },
    }),
  );
  const confirming = pending?.kind === "remove" ? remove : pending?.kind === "transfer" ? transfer : leave;

  return (
    <Card aria-labelledby="members-title">
      <CardHeader>
        <div>
          <CardTitle id="members-title">Members</CardTitle>
          <CardDescription className="mt-1">People who can sign in to this tenant. A tenant always keeps at least one owner.</CardDescription>
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
              <TableHead className="w-10">
                <span className="sr-only">Actions</span>
              </TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {members.data.map((member) => {
              const self = member.userId === me.user.id;
              const mayManage = isAdmin && !self && (member.role !== "owner" || isOwner);
              return (
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
                          {self ? <Badge variant="secondary">You</Badge> : null}
                        </p>
                        <p className="truncate text-[13px] text-muted-foreground">{member.email}</p>
                      </div>
                    </div>
                  </TableCell>
                  <TableCell>
                    <RoleBadge role={member.role} />
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap text-muted-foreground">{formatDate(member.joinedAt)}</TableCell>
                  <TableCell className="text-right">
                    {mayManage || (self && !isSupport) ? (
                      <DropdownMenu>
                        <DropdownMenuTrigger asChild>
                          <Button variant="ghost" size="icon-sm" aria-label={`Actions for ${member.name}`}>
                            <MoreHorizontal aria-hidden />
                          </Button>
                        </DropdownMenuTrigger>
                        <DropdownMenuContent align="end">
                          {self ? (
                            <DropdownMenuItem onSelect={() => setPending({ kind: "leave" })}>Leave tenant</DropdownMenuItem>
                          ) : (
                            <>
                              {member.role !== "admin" ? (
                                <DropdownMenuItem onSelect={() => updateRole.mutate({ membershipId: member.id, role: "admin" })}>Make admin</DropdownMenuItem>
                              ) : null}
                              {member.role !== "viewer" ? (
                                <DropdownMenuItem onSelect={() => updateRole.mutate({ membershipId: member.id, role: "viewer" })}>Make viewer</DropdownMenuItem>
                              ) : null}
                              {isOwner && member.role !== "owner" ? (
                                <DropdownMenuItem onSelect={() => setPending({ kind: "transfer", member })}>Transfer ownership</DropdownMenuItem>
                              ) : null}
                              <DropdownMenuSeparator />
                              <DropdownMenuItem className="text-destructive" onSelect={() => setPending({ kind: "remove", member })}>
                                Remove from tenant
                              </DropdownMenuItem>
                            </>
                          )}
                        </DropdownMenuContent>
                      </DropdownMenu>
                    ) : null}
                  </TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
      <Dialog
        open={pending !== null}
        onOpenChange={(open) => {
          if (!open) {
            setPending(null);
            confirming.reset();
          }
        }}
      >
        <DialogContent>
          <DialogHeader>
            <DialogTitle>
              {pending?.kind === "remove"
                ? `Remove ${pending.member.name}?`
                : pending?.kind === "transfer"
                  ? `Make ${pending.member.name} the owner?`
                  : `Leave ${tenant.name}?`}
            </DialogTitle>
            <DialogDescription>
              {pending?.kind === "remove"
                ? "They lose access at once; invite them again to bring them back."
                : pending?.kind === "transfer"
                  ? "They become the owner and you stay on as an admin."
                  : "You lose access at once; an admin can invite you again."}
            </DialogDescription>
          </DialogHeader>
          {confirming.error ? <p className="text-sm text-destructive">{errorInfo(confirming.error).message}</p> : null}
          <DialogFooter>
            <Button variant="outline" onClick={() => setPending(null)}>
              Cancel
            </Button>
            <Button
              variant={pending?.kind === "transfer" ? "default" : "destructive"}
              pending={confirming.isPending}
              onClick={() => {
                if (pending?.kind === "remove") remove.mutate({ membershipId: pending.member.id });
                else if (pending?.kind === "transfer") transfer.mutate({ membershipId: pending.member.id });
                else leave.mutate();
              }}
            >
              {pending?.kind === "remove" ? "Remove" : pending?.kind === "transfer" ? "Transfer ownership" : "Leave tenant"}
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </Card>
  );
}
