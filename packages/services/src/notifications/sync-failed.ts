import { and, eq, gt, inArray, max } from "drizzle-orm";
import { emailOutbox, memberships, notifications, syncRuns, tenants, users, type Transaction } from "@ferry/db";
import { createNotification } from "./create";
import { describeInitialRun } from "./initial-sync";

export interface SyncFailure {
  /** The run kind in words: "initial", "incremental", "push", "reconcile". */
  kind: string;
  runId: string;
  reason: string;
  code: string;
  attempts: number;
}

/**
 * A sync job that gave up: the in-app "Sync failed" notification, and a mail to the tenant's owners
 * and admins in the outbox, once per streak of failures (nothing new until a run succeeds again, so
 * a cause that persists across scheduled retries does not repeat itself). Stored in the caller's
 * transaction; the caller emits the returned notification after the commit.
 */
export async function recordSyncFailure(tx: Transaction, ctx: { tenantId: string }, failure: SyncFailure) {
  const [lastSuccess] = await tx
    .select({ at: max(syncRuns.finishedAt) })
    .from(syncRuns)
    .where(eq(syncRuns.status, "succeeded"));
  const [notified] = await tx
    .select({ id: notifications.id })
    .from(notifications)
    .where(and(eq(notifications.kind, "sync_failed"), lastSuccess?.at ? gt(notifications.createdAt, lastSuccess.at) : undefined))
    .limit(1);
  if (notified) return undefined;
  const initial = failure.kind === "initial" ? await describeInitialRun(tx, failure.runId, new Date()) : undefined;
  const summary = initial
    ? `The initial sync of ${initial.org} stopped after ${initial.took} and ${failure.attempts} attempt${failure.attempts === 1 ? "" : "s"}, with ${initial.records} read, ${initial.failed}: ${failure.reason} (${failure.code}).`
    : `The ${failure.kind} sync stopped after ${failure.attempts} attempt${failure.attempts === 1 ? "" : "s"}: ${failure.reason} (${failure.code}).`;
  const next = "Ferry tries again at the next scheduled cycle, resuming from the last checkpoint; sync history has the run's details.";
  const notification = await createNotification(tx, ctx, {
    kind: "sync_failed",
    title: initial ? "Initial sync failed" : "Sync failed",
    body: `${summary.slice(0, 500 - next.length - 1)} ${next}`,
  });
  const [tenant] = await tx.select({ name: tenants.name }).from(tenants).where(eq(tenants.id, ctx.tenantId));
  const recipients = await tx
    .select({ email: users.email })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(inArray(memberships.role, ["owner", "admin"]));
  for (const { email } of recipients) {
    await tx.insert(emailOutbox).values({
      tenantId: ctx.tenantId,
      to: email,
      subject: `Ferry: the ${initial ? "initial " : ""}Salesforce sync of ${tenant?.name ?? "your tenant"} failed`,
      body: `${summary.slice(0, 1000)} ${next}`,
      meta: { kind: "sync_failed", runId: failure.runId, code: failure.code },
    });
  }
  return notification;
}
