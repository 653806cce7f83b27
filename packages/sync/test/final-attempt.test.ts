import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { salesforceConnections, withTenant, rowsOf } from "@ferry/db";
import { availableBackends, createTenantFixture } from "@ferry/db/testing";
import { runSyncJob, scheduleSyncWork, type SyncEmitter, type SyncJobName, type SyncJobPayload } from "../src";
import { connect, failWritesWithDiskFull, orgAndDatabase } from "./helpers";

const backends = await availableBackends();
const fast = { retry: { baseDelayMs: 5, maxDelayMs: 50 } };

describe.each(backends)("a sync job's last attempt on %s", (backend) => {
  const harness = orgAndDatabase(backend);

  it("a database error leaves the run incomplete on early attempts, failed with a notification and mail on the last; the scheduler resumes it", async () => {
    const { tenantId, ownerEmail } = await createTenantFixture(harness.db);
    await harness.db.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", syncEnabled: true });
    const diskFreed = await failWritesWithDiskFull(harness.db, tenantId, "Contact");
    const events: { event: string; payload: Record<string, unknown> }[] = [];
    const emitter: SyncEmitter = { emit: async (_t, event, payload) => void events.push({ event, payload: payload as Record<string, unknown> }) };
    const deps = { database: harness.db, emitter, openConnection: async () => connect(harness.emu), send: async () => undefined, options: fast };
    const payload = { tenantId, runId: "disk-full" };
    const look = () =>
      withTenant({ db: harness.db.db, tenantId }, async (tx) => ({
        run: rowsOf(await tx.execute(sql`select status, error, error_code from sync_runs where id = 'disk-full'`))[0],
        state: rowsOf(await tx.execute(sql`select state, message from sync_states`))[0],
        notifications: rowsOf(await tx.execute(sql`select kind, title, body from notifications`)),
        mail: rowsOf(await tx.execute(sql`select "to", subject, body from email_outbox`)),
      }));

    try {
      await expect(runSyncJob(deps, "sync.initial", payload, { attempt: 0, retryLimit: 1 })).rejects.toMatchObject({});
      const early = await look();
      expect(early.run).toMatchObject({ status: "incomplete", error_code: "53100" });
      expect(early.state).toMatchObject({ state: "idle" });
      expect(early.notifications).toEqual([]);
      expect(early.mail).toEqual([]);

      await expect(runSyncJob(deps, "sync.initial", payload, { attempt: 1, retryLimit: 1 })).rejects.toMatchObject({});
      const last = await look();
      expect(last.run).toMatchObject({ status: "failed", error_code: "53100" });
      expect(String(last.run!.error)).toMatch(/No space left on device/);
      expect(last.state).toMatchObject({ state: "failed", message: expect.stringMatching(/^Sync failed: .*No space left on device/) });
      expect(last.notifications).toEqual([
        {
          kind: "sync_failed",
          title: "Initial sync failed",
          body: expect.stringMatching(
            /^The initial sync of .+ stopped after \d+ (s|min \d+ s) and 2 attempts, with [\d,]+ records? .*read, 0 failed: .*No space left on device \(53100\)/,
          ),
        },
      ]);
      expect(last.mail).toEqual([{ to: ownerEmail, subject: expect.stringContaining("failed"), body: expect.stringContaining("No space left on device") }]);
      expect(events.some((e) => e.event === "sync.status" && e.payload.state === "failed")).toBe(true);
      expect(events.filter((e) => e.event === "notification").map((e) => e.payload.kind)).toEqual(["sync_failed"]);

      // A second job that gives up on the same failure does not notify again.
      await expect(runSyncJob(deps, "sync.initial", payload, { attempt: 0, retryLimit: 0 })).rejects.toMatchObject({});
      expect((await look()).notifications).toHaveLength(1);
    } finally {
      await diskFreed();
    }

    const sent: { job: SyncJobName; payload: SyncJobPayload }[] = [];
    const send = async (job: SyncJobName, p: SyncJobPayload) => void (p.tenantId === tenantId && sent.push({ job, payload: p }));
    // Until the retry is due nothing runs for the tenant, though the objects before Contact are loaded: a
    // cycle of changes would succeed and say "idle", hiding the failure from the admin.
    await scheduleSyncWork({ database: harness.db, send, now: () => new Date(Date.now() + 2 * 60_000) });
    expect(sent).toEqual([]);
    expect((await look()).state).toMatchObject({ state: "failed" });
    // The scheduler resumes the failed initial sync from its checkpoints once the retry wait has passed.
    await scheduleSyncWork({ database: harness.db, send, now: () => new Date(Date.now() + 6 * 60_000) });
    expect(sent).toEqual([{ job: "sync.initial", payload }]);
    expect(await runSyncJob(deps, "sync.initial", payload, { attempt: 0, retryLimit: 1 })).toEqual({ outcome: "completed" });
    const done = await look();
    expect(done.state).toMatchObject({ state: "idle", message: null });
    // Finished: in the app and in the owner's mail, with how long it took and what it read.
    expect(done.notifications.map((n) => [n.kind, n.title])).toEqual([
      ["sync_failed", "Initial sync failed"],
      ["initial_sync_finished", "Initial sync finished"],
    ]);
    // The emulator's default org: 5 users, 120 accounts, 300 contacts, 400 leads, 150 opportunities and contact roles, 8 campaigns, 250 members.
    expect(String(done.notifications[1]!.body)).toMatch(
      /^The initial sync of the Salesforce org finished in \d+ (s|min \d+ s): 1,383 records \(User 5, Account 120, Contact 300, Lead 400, Opportunity 150, OpportunityContactRole 150, Campaign 8, CampaignMember 250\) read, 0 failed\. /,
    );
    expect(done.mail.at(-1)).toEqual({ to: ownerEmail, subject: expect.stringMatching(/: the initial sync finished$/), body: done.notifications[1]!.body });
    expect(events.filter((e) => e.event === "notification").map((e) => e.payload.kind)).toContain("initial_sync_finished");
  });
});
