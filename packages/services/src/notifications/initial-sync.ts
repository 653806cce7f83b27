import { eq } from "drizzle-orm";
import { salesforceConnections, syncRunObjects, syncRuns, type Transaction } from "@ferry/db";
import { SYNC_ORDER } from "../history/plan";
import { createNotification, mailOwnersAndAdmins } from "./create";

const number = new Intl.NumberFormat("en-US");

function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The initial run in words: how long it took and what it read, per object. */
export async function describeInitialRun(tx: Transaction, runId: string, end: Date) {
  const [run] = await tx.select({ startedAt: syncRuns.startedAt }).from(syncRuns).where(eq(syncRuns.id, runId));
  const objects = await tx
    .select({ object: syncRunObjects.object, processed: syncRunObjects.processed, failed: syncRunObjects.failed })
    .from(syncRunObjects)
    .where(eq(syncRunObjects.runId, runId));
  const [org] = await tx.select({ name: salesforceConnections.orgName, id: salesforceConnections.orgId }).from(salesforceConnections).limit(1);
  const records = objects.reduce((n, o) => n + o.processed, 0);
  const failed = objects.reduce((n, o) => n + o.failed, 0);
  const order = (name: string) => (SYNC_ORDER as readonly string[]).indexOf(name) + 1 || 99;
  const perObject = objects
    .filter((o) => o.processed > 0)
    .sort((a, b) => order(a.object) - order(b.object) || a.object.localeCompare(b.object))
    .map((o) => `${o.object} ${number.format(o.processed)}`)
    .join(", ");
  return {
    org: org?.name ?? org?.id ?? "the Salesforce org",
    took: duration(end.getTime() - (run?.startedAt.getTime() ?? end.getTime())),
    records: `${number.format(records)} record${records === 1 ? "" : "s"}${perObject ? ` (${perObject})` : ""}`,
    failed: `${number.format(failed)} failed`,
  };
}

/**
 * "Initial sync finished": in the app and by mail to the tenant's owners and admins, with how long
 * it took and what it read. Stored in the engine's closing transaction; emitted after the commit.
 */
export async function recordInitialSyncFinished(tx: Transaction, ctx: { tenantId: string }, runId: string) {
  const d = await describeInitialRun(tx, runId, new Date());
  const body = `The initial sync of ${d.org} finished in ${d.took}: ${d.records} read, ${d.failed}. Ferry now keeps it in sync by itself.`.slice(0, 500);
  const notification = await createNotification(tx, ctx, { kind: "initial_sync_finished", title: "Initial sync finished", body });
  await mailOwnersAndAdmins(tx, ctx.tenantId, (tenantName) => ({
    subject: `Ferry (${tenantName}): the initial sync finished`,
    body,
    link: "/salesforce/progress",
    meta: { kind: "initial_sync_finished", runId, notificationId: notification.id },
  }));
  return notification;
}
