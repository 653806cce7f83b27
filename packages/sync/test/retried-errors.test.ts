import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { and, eq, sql } from "drizzle-orm";
import { emailOutbox, sfRecords, syncErrors, withTenant } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runIncrementalSync, runInitialSync } from "../src";
import { connect, emulatorRows, startOrg } from "./helpers";

const backends = (await availableBackends()).filter((b) => b === "postgres");

describe.each(backends)("errors an admin retries are settled by the engine (%s)", (backend) => {
  let emu: EmulatorHandle;
  let db: TestDatabase;
  let tenantId: string;
  const errorsOf = (where: ReturnType<typeof eq>) =>
    withTenant({ db: db.db, tenantId }, (tx) =>
      tx
        .select({
          id: syncErrors.id,
          state: syncErrors.state,
          code: syncErrors.code,
          message: syncErrors.message,
          level: syncErrors.level,
          runId: syncErrors.runId,
        })
        .from(syncErrors)
        .where(where),
    );

  beforeAll(async () => {
    emu = await startOrg();
    db = await createTestDatabase(backend);
    tenantId = (await createTenantFixture(db)).tenantId;
    expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn: await connect(emu) })).toEqual({ outcome: "completed" });
  });
  afterAll(async () => {
    await db?.drop();
    await emu?.stop();
  });

  it("re-reads retried pull errors by id: a readable record is stored and its error resolved, a missing one keeps its error with the new answer", async () => {
    const lead = emulatorRows(emu, "Lead")[7]!;
    const missing = `${lead.id.slice(0, 3)}000000000ZZZAAA`;
    await withTenant({ db: db.db, tenantId }, async (tx) => {
      // As if the record's read had failed: Ferry has no copy, and the admin pressed Retry.
      await tx.delete(sfRecords).where(and(eq(sfRecords.object, "Lead"), eq(sfRecords.sfId, lead.id)));
      await tx.insert(syncErrors).values([
        {
          tenantId,
          level: "record",
          object: "Lead",
          sfId: lead.id,
          operation: "pull_updates",
          code: "MALFORMED_RESPONSE",
          message: "bad date",
          state: "retrying",
        },
        {
          tenantId,
          level: "record",
          object: "Lead",
          sfId: missing,
          operation: "pull_updates",
          code: "MALFORMED_RESPONSE",
          message: "bad number",
          state: "retrying",
        },
        {
          tenantId,
          level: "record",
          object: "Lead",
          sfId: lead.id,
          operation: "pull_updates",
          code: "MALFORMED_RESPONSE",
          message: "not retried",
          state: "open",
        },
      ]);
    });
    expect(await runIncrementalSync({ database: db, tenantId, runId: "cycle-1", conn: await connect(emu) })).toEqual({ outcome: "completed" });

    const [stored] = await withTenant({ db: db.db, tenantId }, (tx) =>
      tx
        .select({ fields: sfRecords.fields })
        .from(sfRecords)
        .where(and(eq(sfRecords.object, "Lead"), eq(sfRecords.sfId, lead.id))),
    );
    expect(stored?.fields).toEqual(lead.fields);
    const byMessage = new Map(
      (await errorsOf(eq(syncErrors.object, "Lead"))).map((e) => [e.message.startsWith("The record no longer exists") ? "missing" : e.message, e]),
    );
    expect(byMessage.get("bad date")).toMatchObject({ state: "resolved" });
    expect(byMessage.get("not retried")).toMatchObject({ state: "open" });
    expect(byMessage.get("missing")).toMatchObject({ state: "open", code: "ENTITY_IS_DELETED", runId: "cycle-1" });
  });

  it("a failed run leaves a job-level error; after a retry the next failure reopens it and a success of the same kind resolves it", async () => {
    // A session Salesforce no longer accepts and no way to renew it: the run fails on credentials.
    const dead = () => new jsforce.Connection({ instanceUrl: emu.url, accessToken: "00Dexpired!session", version: "62.0" });
    const failed = await runIncrementalSync({ database: db, tenantId, runId: "dead-1", conn: dead() });
    expect(failed).toMatchObject({ outcome: "failed", code: "INVALID_SESSION_ID" });
    const [job] = await errorsOf(eq(syncErrors.level, "job"));
    expect(job).toMatchObject({ state: "open", code: "INVALID_SESSION_ID", runId: "dead-1" });
    // The notification goes to the owner by email too.
    const outbox = await withTenant({ db: db.db, tenantId }, (tx) =>
      tx.select({ subject: emailOutbox.subject, body: emailOutbox.body, meta: emailOutbox.meta }).from(emailOutbox),
    );
    // (The initial sync this file starts from mailed that it had finished.)
    const mail = outbox.filter((m) => (m.meta as { kind?: string } | null)?.kind !== "initial_sync_finished");
    expect(mail).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining("Salesforce credentials stopped working"),
        meta: expect.objectContaining({ kind: "credentials_expired" }),
      }),
    ]);
    expect(mail[0]!.body).toContain("INVALID_SESSION_ID");

    await withTenant({ db: db.db, tenantId }, (tx) => tx.update(syncErrors).set({ state: "retrying" }).where(eq(syncErrors.id, job!.id)));
    await runIncrementalSync({ database: db, tenantId, runId: "dead-2", conn: dead() });
    expect(await errorsOf(eq(syncErrors.level, "job"))).toEqual([expect.objectContaining({ id: job!.id, state: "open", runId: "dead-2" })]);

    await withTenant({ db: db.db, tenantId }, async (tx) => {
      await tx.update(syncErrors).set({ state: "retrying" }).where(eq(syncErrors.id, job!.id));
      // The credentials failure stopped the tenant; the admin fixed them.
      await tx.execute(sql`update sync_states set state = 'idle', message = null`);
    });
    expect(await runIncrementalSync({ database: db, tenantId, runId: "alive", conn: await connect(emu) })).toEqual({ outcome: "completed" });
    expect(await errorsOf(eq(syncErrors.level, "job"))).toEqual([expect.objectContaining({ id: job!.id, state: "resolved" })]);
  });
});
