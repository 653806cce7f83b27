import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import { notifications, pushQueue, salesforceConnections, syncErrors, syncRuns, syncStates, withTenant, type Transaction } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import { recordLoginAccepted, recordLoginRefused, resetConnectionStatus, setConnectionStatus } from "./connection";
import { decideSyncErrors } from "./errors";
import { recordApiLimitPause, recordCredentialRefusal } from "./outcomes";
import { markPushesInFlight, queuePush, requeueFailedPushes, settlePushes } from "./push-queue";
import { abandonQueuedRun, beginRun, finishRun, queueRun } from "./runs";

describe.each(await availableBackends())("the one owner of sync state (%s)", (backend) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await database?.drop();
  });

  /** A fresh tenant with a connection row, and its transactions. */
  async function tenant() {
    const { tenantId } = await createTenantFixture(database);
    await database.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", syncEnabled: true });
    return { tenantId, tx: <T>(work: (tx: Transaction) => Promise<T>) => withTenant({ db: database.db, tenantId }, work) };
  }

  it("queues a run, and leaves no queued run behind when its job was not taken", async () => {
    const { tenantId, tx } = await tenant();
    const failed = await tx((t) => queueRun(t, tenantId, "incremental"));
    const dropped = await tx((t) => queueRun(t, tenantId, "push"));
    const started = await tx((t) => queueRun(t, tenantId, "reconcile"));
    expect(failed.status).toBe("queued");
    await beginRun(database, tenantId, started.id, "reconcile");
    await tx((t) => abandonQueuedRun(t, failed.id, { failed: "The job could not be queued." }));
    await tx((t) => abandonQueuedRun(t, dropped.id, "dropped"));
    await tx((t) => abandonQueuedRun(t, started.id, "dropped"));
    const runs = await tx((t) => t.select({ id: syncRuns.id, status: syncRuns.status, error: syncRuns.error }).from(syncRuns));
    expect(runs.sort((a, b) => a.status.localeCompare(b.status))).toEqual([
      { id: failed.id, status: "failed", error: "The job could not be queued." },
      { id: started.id, status: "in_progress", error: null },
    ]);
    expect(await tx((t) => t.select({ state: syncStates.state }).from(syncStates))).toEqual([{ state: "running" }]);
  });

  it("leaves a job error for a failed run, and settles it once a retried run of that kind succeeds", async () => {
    const { tenantId, tx } = await tenant();
    const first = await tx((t) => queueRun(t, tenantId, "incremental"));
    await tx((t) => finishRun(t, first.id, { status: "failed", error: "Sync failed: boom", errorCode: "ERROR" }));
    const errors = () =>
      tx((t) => t.select({ level: syncErrors.level, state: syncErrors.state, code: syncErrors.code, message: syncErrors.message }).from(syncErrors));
    expect(await errors()).toEqual([{ level: "job", state: "open", code: "ERROR", message: "Sync failed: boom" }]);
    const decided = await tx((t) => decideSyncErrors(t, eq(syncErrors.state, "open"), "retrying"));
    expect(decided.map((e) => [e.level, e.runId])).toEqual([["job", first.id]]);
    const second = await tx((t) => queueRun(t, tenantId, "incremental"));
    await tx((t) => finishRun(t, second.id, { status: "succeeded" }));
    expect(await errors()).toEqual([{ level: "job", state: "resolved", code: "ERROR", message: "Sync failed: boom" }]);
  });

  it("pauses a run for the API budget and tells the admins once per pause", async () => {
    const { tenantId, tx } = await tenant();
    const resumesAt = new Date("2026-12-07T00:00:00.000Z");
    const pause = {
      state: "api_capped" as const,
      errorCode: "API_CAP_REACHED" as const,
      reason: "API cap reached — resumes at 2026-12-07T00:00:00.000Z",
      resumesAt,
      apiCalls: 4,
      usage: { apiUsed: 900, apiLimit: 1000 },
      notification: { title: "API cap reached", body: "Ferry used 900 of its 900 daily Salesforce API calls." },
    };
    const runs = [await tx((t) => queueRun(t, tenantId, "incremental")), await tx((t) => queueRun(t, tenantId, "incremental"))];
    const sent = [await tx((t) => recordApiLimitPause(t, tenantId, runs[0]!.id, pause)), await tx((t) => recordApiLimitPause(t, tenantId, runs[1]!.id, pause))];
    expect(sent[0]).toMatchObject({ kind: "api_cap_reached", title: "API cap reached" });
    expect(sent[1]).toBeUndefined();
    expect(await tx((t) => t.select({ kind: notifications.kind }).from(notifications))).toEqual([{ kind: "api_cap_reached" }]);
    const [run] = await tx((t) => t.select().from(syncRuns).where(eq(syncRuns.id, runs[0]!.id)));
    expect(run).toMatchObject({ status: "paused", errorCode: "API_CAP_REACHED", apiCalls: 4, finishedAt: null });
    expect(run!.resumesAt?.toISOString()).toBe("2026-12-07T00:00:00.000Z");
    expect(await tx((t) => t.select({ state: syncStates.state, apiUsed: syncStates.apiUsed, apiLimit: syncStates.apiLimit }).from(syncStates))).toEqual([
      { state: "api_capped", apiUsed: 900, apiLimit: 1000 },
    ]);
  });

  it("fails the run, the badge and the connection when Salesforce refuses the stored credentials", async () => {
    const { tenantId, tx } = await tenant();
    const run = await tx((t) => queueRun(t, tenantId, "incremental"));
    const { reason, notification } = await tx((t) => recordCredentialRefusal(t, tenantId, run.id, { code: "INVALID_LOGIN", message: "Invalid username" }));
    expect(reason).toBe("Salesforce refused the stored credentials (INVALID_LOGIN): Invalid username");
    expect(notification).toMatchObject({ kind: "credentials_expired", title: "Salesforce credentials stopped working" });
    expect(await tx((t) => t.select({ status: syncRuns.status, errorCode: syncRuns.errorCode }).from(syncRuns))).toEqual([
      { status: "failed", errorCode: "INVALID_LOGIN" },
    ]);
    expect(await tx((t) => t.select({ state: syncStates.state, message: syncStates.message }).from(syncStates))).toEqual([
      { state: "failed", message: "Salesforce refused the stored credentials (INVALID_LOGIN): Invalid username" },
    ]);
    expect(await tx((t) => t.select({ state: salesforceConnections.state, lastError: salesforceConnections.lastError }).from(salesforceConnections))).toEqual([
      { state: "failed", lastError: "Salesforce refused the stored credentials (INVALID_LOGIN): Invalid username" },
    ]);
  });

  it("counts refused logins in a row, and starts again after one that works", async () => {
    const { tx } = await tenant();
    expect(await tx((t) => recordLoginRefused(t, "INVALID_LOGIN once"))).toBe(1);
    expect(await tx((t) => recordLoginRefused(t, "INVALID_LOGIN twice"))).toBe(2);
    const connection = () =>
      tx(
        async (t) =>
          (
            await t
              .select({
                failures: salesforceConnections.consecutiveLoginFailures,
                lastError: salesforceConnections.lastError,
                lastLoginAt: salesforceConnections.lastLoginAt,
              })
              .from(salesforceConnections)
          )[0]!,
      );
    expect(await connection()).toEqual({ failures: 2, lastError: "INVALID_LOGIN twice", lastLoginAt: null });
    await tx(recordLoginAccepted);
    const accepted = await connection();
    expect([accepted.failures, accepted.lastError, accepted.lastLoginAt instanceof Date]).toEqual([0, null, true]);
  });

  it("moves the connection only from the states given, and starts it over", async () => {
    const { tx } = await tenant();
    const state = () => tx(async (t) => (await t.select({ state: salesforceConnections.state }).from(salesforceConnections))[0]!.state);
    await tx((t) => setConnectionStatus(t, "syncing", {}, ["paused"]));
    expect(await state()).toBe("syncing");
    await tx((t) => setConnectionStatus(t, "paused", {}, ["syncing"]));
    expect(await state()).toBe("paused");
    await tx((t) => setConnectionStatus(t, "paused", {}, ["syncing"]));
    await tx((t) => resetConnectionStatus(t));
    expect(
      await tx(
        async (t) => (await t.select({ state: salesforceConnections.state, validatedAt: salesforceConnections.validatedAt }).from(salesforceConnections))[0],
      ),
    ).toEqual({
      state: "not_connected",
      validatedAt: null,
    });
  });

  it("takes an edit through the push queue: queued, in flight, failed with one attempt, queued again by a retry", async () => {
    const { tenantId, tx } = await tenant();
    const queued = await tx((t) =>
      queuePush(t, { tenantId, object: "Lead", sfId: "00Q000000000001AAA", changes: { Title: "CTO" }, baseModstamp: null, editedBy: null }),
    );
    expect(queued).toMatchObject({ state: "queued", changes: { Title: "CTO" }, errorCode: null });
    const row = () =>
      tx(async (t) => (await t.select({ state: pushQueue.state, attempts: pushQueue.attempts, errorCode: pushQueue.errorCode }).from(pushQueue))[0]);
    await tx((t) => markPushesInFlight(t, [queued.id]));
    expect(await row()).toEqual({ state: "in_flight", attempts: 0, errorCode: null });
    await tx((t) => settlePushes(t, [queued.id], { state: "failed", errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION", errorMessage: "Title is locked" }));
    expect(await row()).toEqual({ state: "failed", attempts: 1, errorCode: "FIELD_CUSTOM_VALIDATION_EXCEPTION" });
    expect(await tx((t) => requeueFailedPushes(t, "Lead", ["00Q000000000001AAA"]))).toBe(1);
    expect(await row()).toEqual({ state: "queued", attempts: 0, errorCode: null });
    expect(await tx((t) => requeueFailedPushes(t, "Lead", ["00Q000000000001AAA"]))).toBe(0);
  });
});
