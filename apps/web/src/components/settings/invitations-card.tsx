"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { CircleAlert, CircleCheck, MailPlus, Send } from "lucide-react";
import { errorInfo } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { formatDate, formatRelative } from "@/lib/utils";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from "@/components/ui/select";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { toast } from "@/components/ui/toast";
import { CopyButton } from "./copy-button";
import { QueryError } from "./query-error";
import { RoleBadge } from "./role-badge";
import { TableSkeleton } from "./table-skeleton";

type InvitableRole = "admin" | "viewer";

function inviteLink(id: string) {
  return `${window.location.origin}/invite/${id}`;
}

export function InvitationsCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.invitation.list.queryOptions());
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<InvitableRole>("admin");
  const [created, setCreated] = useState<{ email: string; link: string }>();
  const [revoking, setRevoking] = useState<{ id: string; email: string }>();
  const [emailEdited, setEmailEdited] = useState(false);

  const refreshRelated = () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.invitation.list.pathFilter()),
      queryClient.invalidateQueries(trpc.outbox.list.pathFilter()),
      queryClient.invalidateQueries(trpc.audit.list.pathFilter()),
    ]);

  const create = useMutation(
    trpc.invitation.create.mutationOptions({
      async onSuccess(result) {
        setCreated({ email: result.email, link: result.link });
        setEmail("");
        toast.success(`Invitation sent to ${result.email}`);
        await refreshRelated();
      },
    }),
  );

  const revoke = useMutation(
    trpc.invitation.revoke.mutationOptions({
      async onSuccess(_result, input) {
        setRevoking(undefined);
        if (created && invitations.data?.find((item) => item.id === input.invitationId)?.email === created.email) setCreated(undefined);
        toast.success("Invitation revoked", "The link no longer works.");
        await refreshRelated();
      },
      onError(error) {
        toast.error("Could not revoke the invitation", errorInfo(error).message);
      },
    }),
  );

  const failure = create.error ? errorInfo(create.error) : undefined;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setCreated(undefined);
    setEmailEdited(false);
    create.mutate({ email: email.trim(), role });
  }

  return (
    <Card aria-labelledby="invitations-title">
      <CardHeader>
        <div>
          <CardTitle id="invitations-title">Invitations</CardTitle>
          <CardDescription className="mt-1">Invite admins and viewers by email. Each link works for 7 days, once.</CardDescription>
        </div>
      </CardHeader>

      <form onSubmit={submit} noValidate aria-label="Invite someone" className="grid gap-4 border-y bg-muted/30 px-6 py-5">
        <div className="grid items-start gap-4 sm:grid-cols-[minmax(0,1fr)_10rem_auto]">
          <Field label="Email" error={emailEdited ? undefined : failure?.fields.email}>
            {(control) => (
              <Input
                {...control}
                type="email"
                name="email"
                autoComplete="off"
                placeholder="colleague@company.com"
                value={email}
                onChange={(event) => {
                  setEmail(event.target.value);
                  setEmailEdited(true);
                }}
              />
            )}
          </Field>
          <Field label="Role" error={failure?.fields.role}>
            {({ id, ...control }) => (
              <Select value={role} onValueChange={(value) => setRole(value as InvitableRole)}>
                <SelectTrigger id={id} {...control}>
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="admin">Admin</SelectItem>
                  <SelectItem value="viewer">Viewer</SelectItem>
                </SelectContent>
              </Select>
            )}
          </Field>
          <Button type="submit" className="sm:mt-[22px]" pending={create.isPending}>
            {create.isPending ? null : <Send aria-hidden />}
            Send invitation
          </Button>
        </div>
        <p className="text-[13px] text-muted-foreground">
          Admins can connect Salesforce, change settings and invite others. Viewers can look but not change anything.
        </p>
        {failure && Object.keys(failure.fields).length === 0 ? (
          <Alert variant="destructive">
            <CircleAlert aria-hidden />
            <AlertDescription>{failure.message}</AlertDescription>
          </Alert>
        ) : null}
        {created ? (
          <Alert variant="info">
            <CircleCheck aria-hidden />
            <AlertTitle>Invitation sent to {created.email}</AlertTitle>
            <AlertDescription>
              <div className="mt-1 flex flex-wrap items-center gap-2">
                <code
                  className="min-w-0 flex-1 truncate rounded bg-card px-2 py-1 font-mono text-xs text-foreground ring-1 ring-border"
                  data-testid="created-invitation-link"
                >
                  {created.link}
                </code>
                <CopyButton value={created.link} />
              </div>
            </AlertDescription>
          </Alert>
        ) : null}
      </form>

      <div className="pt-4">
        <h3 className="px-6 pb-2 text-sm font-medium">Pending</h3>
        {invitations.isPending ? (
          <TableSkeleton rows={2} columns={4} />
        ) : invitations.isError ? (
          <QueryError error={invitations.error} onRetry={() => void invitations.refetch()} />
        ) : invitations.data.length === 0 ? (
          <div className="flex items-center gap-3 px-6 pb-6 text-sm text-muted-foreground">
            <MailPlus className="size-4" aria-hidden />
            No pending invitations.
          </div>
        ) : (
          <Table aria-label="Pending invitations">
            <TableHeader>
              <TableRow>
                <TableHead>Email</TableHead>
                <TableHead>Role</TableHead>
                <TableHead>Sent</TableHead>
                <TableHead>Expires</TableHead>
                <TableHead className="text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {invitations.data.map((invitation) => (
                <TableRow key={invitation.id ?? invitation.email}>
                  <TableCell className="font-medium">{invitation.email}</TableCell>
                  <TableCell>
                    <RoleBadge role={invitation.role} />
                  </TableCell>
                  <TableCell className="whitespace-nowrap text-muted-foreground">{formatRelative(invitation.createdAt)}</TableCell>
                  <TableCell className="whitespace-nowrap text-muted-foreground">{formatDate(invitation.expiresAt)}</TableCell>
                  <TableCell className="text-right">
                    {/* Support access gets no id: the link is the invitee's alone, and so is revoking by it. */}
                    {invitation.id === null ? null : (
                      <div className="flex justify-end gap-2">
                        <CopyButton value={inviteLink(invitation.id)} aria-label={`Copy link of the invitation for ${invitation.email}`} />
                        <Button
                          variant="ghost"
                          size="sm"
                          className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                          aria-label={`Revoke invitation for ${invitation.email}`}
                          onClick={() => setRevoking({ id: invitation.id!, email: invitation.email })}
                        >
                          Revoke
                        </Button>
                      </div>
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </div>

      <Dialog open={Boolean(revoking)} onOpenChange={(open) => !open && !revoke.isPending && setRevoking(undefined)}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Revoke this invitation?</DialogTitle>
            <DialogDescription>
              The link sent to <span className="font-medium text-foreground">{revoking?.email}</span> will stop working. You can invite them again later.
            </DialogDescription>
          </DialogHeader>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="outline" disabled={revoke.isPending}>
                Cancel
              </Button>
            </DialogClose>
            <Button variant="destructive" pending={revoke.isPending} onClick={() => revoking && revoke.mutate({ invitationId: revoking.id })}>
              Revoke invitation
            </Button>
          </DialogFooter>
        </DialogContent>
      </Dialog>
    </Card>
  );
}
