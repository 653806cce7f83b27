import type { Transaction } from "@ferry/db";
import { createNotification, mailOwnersAndAdmins } from "./create";

/** What one object's reconciliation put right. */
export interface ObjectRepairs {
  object: string;
  /** Rows Salesforce has that Ferry was missing, read and stored. */
  added: number;
  /** Rows Ferry had as deleted that Salesforce still has, brought back. */
  restored: number;
  /** Rows Ferry still showed that Salesforce no longer has, marked deleted. */
  removed: number;
}

const plural = (n: number, one: string, many: string) => `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;

function describe(r: ObjectRepairs): string {
  const parts = [
    r.added ? `${plural(r.added, "missing row", "missing rows")} added` : "",
    r.restored ? `${plural(r.restored, "row", "rows")} wrongly shown as deleted restored` : "",
    r.removed ? `${plural(r.removed, "row", "rows")} deleted in Salesforce marked deleted` : "",
  ].filter(Boolean);
  return `${r.object}: ${parts.join(", ")}`;
}

/**
 * The daily reconciliation found rows out of step with Salesforce and repaired them: the in-app
 * notification and a mail to the tenant's owners and admins (the outbox), in the caller's
 * transaction. Nothing is written when nothing was repaired. The caller emits the returned
 * notification after the commit.
 */
export async function recordReconcileRepairs(tx: Transaction, ctx: { tenantId: string }, input: { runId: string; repairs: ObjectRepairs[] }) {
  const repaired = input.repairs.filter((r) => r.added + r.restored + r.removed > 0);
  if (repaired.length === 0) return undefined;
  const total = repaired.reduce((n, r) => n + r.added + r.restored + r.removed, 0);
  const details = `${repaired.map(describe).join("; ")}.`;
  const why =
    "The regular sync had missed these changes (for example while it was paused longer than Salesforce keeps deletions); Ferry matches Salesforce again and nothing needs doing. Sync history lists the run.";
  const short = "The regular sync had missed them; Ferry matches Salesforce again. Sync history lists the run.";
  const title = `Reconciliation repaired ${plural(total, "row", "rows")}`;
  const notification = await createNotification(tx, ctx, {
    kind: "reconcile_repaired",
    title,
    body: `${details.length > 400 ? `${details.slice(0, 399)}…` : details} ${short}`,
  });
  await mailOwnersAndAdmins(tx, ctx.tenantId, (tenantName) => ({
    subject: `Ferry: ${title} in ${tenantName}`,
    body: `${details} ${why}`,
    link: "/sync-history",
    meta: { kind: "reconcile_repaired", runId: input.runId, notificationId: notification.id, repairs: repaired },
  }));
  return notification;
}
