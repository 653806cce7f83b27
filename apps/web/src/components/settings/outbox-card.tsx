"use client";

import { useQuery } from "@tanstack/react-query";
import { ExternalLink, Inbox } from "lucide-react";
import { errorCode } from "@/lib/errors";
import { useTRPC } from "@/lib/trpc";
import { formatRelative } from "@/lib/utils";
import { Badge } from "@/components/ui/badge";
import { Card, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { QueryError } from "./query-error";
import { TableSkeleton } from "./table-skeleton";

/**
 * What Ferry would have emailed, for development and demos where no mail is sent. The server refuses
 * the list in production, and then the panel is not shown at all.
 */
export function OutboxCard() {
  const trpc = useTRPC();
  const outbox = useQuery(trpc.outbox.list.queryOptions());

  if (outbox.isError && errorCode(outbox.error) === "FORBIDDEN") return null;

  return (
    <Card aria-label="Outbox" data-testid="email-outbox">
      <CardHeader>
        <div>
          <CardTitle id="outbox-title" className="flex items-center gap-2">
            Email outbox <Badge variant="warning">Development</Badge>
          </CardTitle>
          <CardDescription className="mt-1">No email leaves this installation; these are the messages it would have sent.</CardDescription>
        </div>
      </CardHeader>
      {outbox.isPending ? (
        <TableSkeleton rows={2} columns={2} />
      ) : outbox.isError ? (
        <QueryError error={outbox.error} onRetry={() => void outbox.refetch()} />
      ) : outbox.data.length === 0 ? (
        <div className="flex items-center gap-3 px-6 pb-6 text-sm text-muted-foreground">
          <Inbox className="size-4" aria-hidden />
          Nothing sent yet. Invitations you send appear here with their link.
        </div>
      ) : (
        <ul className="divide-y border-t" aria-label="Outbox messages">
          {outbox.data.map((message) => (
            <li key={message.id} className="grid gap-1.5 px-6 py-4">
              <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                <p className="min-w-0 text-sm font-medium">{message.subject}</p>
                <span className="text-xs whitespace-nowrap text-muted-foreground">{formatRelative(message.createdAt)}</span>
              </div>
              <p className="text-[13px] text-muted-foreground">
                To <span className="text-foreground">{message.to}</span>
              </p>
              {message.link ? (
                <a
                  href={message.link}
                  target="_blank"
                  rel="noreferrer"
                  data-testid="outbox-link"
                  className="inline-flex w-fit max-w-full items-center gap-1.5 truncate rounded font-mono text-xs text-primary underline-offset-4 outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/40"
                >
                  <span className="truncate">{message.link}</span>
                  <ExternalLink className="size-3 shrink-0" aria-hidden />
                </a>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
