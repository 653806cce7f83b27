import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { pushQueue, salesforceConnections, withTenant } from "@ferry/db";
import { availableBackends, createTenantFixture, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import type { EmulatorHandle } from "@ferry/salesforce-emulator";
import { runIncrementalSync, runInitialSync, runPush, scheduleSyncWork, StreamManager, SYNC_OBJECTS, type AppliedBatch, type SyncJobPayload } from "../src";
import { rowsOf } from "@ferry/db";
import { checksum, connect, emulatorRows, startOrg, storedRows } from "./helpers";

const backends = await availableBackends();

interface Harness {
  emu: EmulatorHandle;
  db: TestDatabase;
  tenantId: string;
  managers: StreamManager[];
  applied: { worker: string; batch: AppliedBatch; replayIds: string[] }[];
}

let current: Harness | undefined;

afterEach(async () => {
  const h = current;
  current = undefined;
  for (const m of h?.managers ?? []) await m.stop().catch(() => undefined);
  await h?.db.drop();
  await h?.emu.stop();
});

/** An emulated org with CDC on for every synced object, a tenant that finished its initial sync and opted in. */
async function streamingTenant(backend: Parameters<typeof createTestDatabase>[0]): Promise<Harness> {
  const emu = await startOrg({ controlApi: true, cdc: [...SYNC_OBJECTS], pubsub: { keepaliveMs: 200 } });
  const db = await createTestDatabase(backend);
  const { tenantId } = await createTenantFixture(db);
  const conn = await connect(emu);
  const orgId = (await conn.identity()).organization_id;
  await db.platform.insert(salesforceConnections).values({ tenantId, state: "syncing", syncEnabled: true, nearRealTime: true, orgId, loginUrl: emu.loginUrl });
  expect(await runInitialSync({ database: db, tenantId, runId: "initial", conn })).toEqual({ outcome: "completed" });
  current = { emu, db, tenantId, managers: [], applied: [] };
  return current;
}

function manager(h: Harness, workerId: string, options: { leaseTtlMs?: number } = {}): StreamManager {
  const m = new StreamManager({
    database: h.db,
    openConnection: () => connect(h.emu),
    endpoint: () => ({ address: h.emu.pubsubEndpoint!, caPem: readFileSync(h.emu.pubsubCaFile!, "utf8") }),
    workerId,
    leaseTtlMs: options.leaseTtlMs ?? 3_000,
    heartbeatMs: 250,
    onApplied: (_tenant, batch) => h.applied.push({ worker: workerId, batch, replayIds: [] }),
  });
  h.managers.push(m);
  m.start();
  return m;
}

async function streamRow(h: Harness) {
  const [row] = rowsOf(await withTenant({ db: h.db.db, tenantId: h.tenantId }, (tx) => tx.execute(sql`SELECT * FROM cdc_streams`)));
  return row as
    | {
        state: string;
        reason: string | null;
        replay_id: string | null;
        catch_up_objects: string[] | null;
        events_applied: string | number;
        echoes_skipped: string | number;
        lease_owner: string | null;
      }
    | undefined;
}

async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The catch-up the stream asked for, run the way the worker runs it: the scheduler sends it, the engine reads. */
async function runRequestedCatchUp(h: Harness): Promise<string[]> {
  const sent: { name: string; payload: SyncJobPayload }[] = [];
  await scheduleSyncWork({ database: h.db, send: async (name, payload) => void sent.push({ name, payload }) });
  const job = sent.find((s) => s.payload.tenantId === h.tenantId && s.name === "sync.incremental");
  expect(job, "the scheduler sends the stream's catch-up read").toBeDefined();
  const conn = await connect(h.emu);
  expect(
    await runIncrementalSync({
      database: h.db,
      tenantId: h.tenantId,
      runId: job!.payload.runId,
      conn,
      ...(job!.payload.objects ? { objects: job!.payload.objects } : {}),
    }),
  ).toEqual({
    outcome: "completed",
  });
  return job!.payload.objects ?? [...SYNC_OBJECTS];
}

/** A stream that started without a position asks for one catch-up read; once run, it is live. */
async function live(h: Harness): Promise<void> {
  await until("the stream to ask for its first catch-up", async () => (await streamRow(h))?.catch_up_objects?.length);
  await runRequestedCatchUp(h);
  await until("the stream to be live", async () => {
    const row = await streamRow(h);
    return row?.state === "live" && row.reason === null;
  });
}

async function differences(h: Harness): Promise<string[]> {
  const out: string[] = [];
  for (const object of SYNC_OBJECTS) {
    const expected = emulatorRows(h.emu, object);
    const stored = await storedRows(h.db, h.tenantId, object);
    if (stored.length !== expected.length || checksum(stored) !== checksum(expected))
      out.push(`${object}: ${stored.length} stored, ${expected.length} in Salesforce`);
  }
  return out;
}

async function control(h: Harness, path: string, body: unknown = {}, method = "POST") {
  const response = await fetch(`${h.emu.controlUrl ?? `${h.emu.url}/__emulator`}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, `${method} ${path}`).toBeLessThan(300);
}

describe.each(backends)("near-real-time streams on %s", (backend) => {
  it("applies creates, updates, deletes, undeletes, merges and conversions from the stream, with no polling", async () => {
    const h = await streamingTenant(backend);
    manager(h, "worker-a");
    await live(h);
    const leads = emulatorRows(h.emu, "Lead").filter((l) => l.fields.IsConverted !== true);
    const contacts = emulatorRows(h.emu, "Contact");
    const accounts = emulatorRows(h.emu, "Account");
    const created = h.emu.createRecord("Lead", { LastName: "Streamed", Company: "Stream Co" });
    h.emu.updateRecord(leads[0]!.id, { Title: "Streamed title" });
    const deleted = [contacts[3]!.id, contacts[4]!.id].map((id) => h.emu.deleteRecord(id));
    h.emu.undeleteRecord(deleted[0]!);
    const conversion = h.emu.convertLead(leads[5]!.id, {});
    h.emu.mergeRecords(accounts[0]!.id, [accounts[1]!.id]);
    h.emu.mergeRecords(contacts[20]!.id, [contacts[21]!.id]);
    await until("every change to be applied", async () => (await differences(h)).length === 0 || undefined, 30_000);
    expect(await differences(h)).toEqual([]);
    const storedLeads = new Map((await storedRows(h.db, h.tenantId, "Lead")).map((r) => [r.id, r]));
    expect(storedLeads.get(created)?.fields.LastName).toBe("Streamed");
    expect(storedLeads.get(leads[0]!.id)?.fields.Title).toBe("Streamed title");
    expect(storedLeads.get(conversion.leadId)).toMatchObject({ convertedToId: conversion.contactId, personId: conversion.leadId });
    const storedContacts = new Map((await storedRows(h.db, h.tenantId, "Contact", { includeDeleted: true })).map((r) => [r.id, r]));
    expect(storedContacts.get(conversion.contactId)).toMatchObject({ personId: conversion.leadId, deleted: false });
    expect(storedContacts.get(deleted[0]!)).toMatchObject({ deleted: false });
    expect(storedContacts.get(deleted[1]!)).toMatchObject({ deleted: true });
    expect(storedContacts.get(contacts[21]!.id)).toMatchObject({ deleted: true, masterRecordId: contacts[20]!.id });
    const storedAccounts = new Map((await storedRows(h.db, h.tenantId, "Account", { includeDeleted: true })).map((r) => [r.id, r]));
    expect(storedAccounts.get(accounts[1]!.id)).toMatchObject({ deleted: true, masterRecordId: accounts[0]!.id });
    // Only the first catch-up ran as a cycle; everything after came from the stream.
    const runs = rowsOf(
      await withTenant({ db: h.db.db, tenantId: h.tenantId }, (tx) => tx.execute(sql`SELECT count(*)::int AS n FROM sync_runs WHERE kind = 'incremental'`)),
    );
    expect(runs[0]!.n).toBe(1);
    const minutes = rowsOf(
      await withTenant({ db: h.db.db, tenantId: h.tenantId }, (tx) =>
        tx.execute(sql`SELECT sum(events)::int AS events, max(lag_ms_max)::int AS lag FROM cdc_minutes`),
      ),
    );
    expect(minutes[0]!.events).toBeGreaterThan(0);
  });

  it("resumes from the stored replay id after a worker dies: nothing lost, nothing applied twice", async () => {
    const h = await streamingTenant(backend);
    const first = manager(h, "worker-a", { leaseTtlMs: 1_500 });
    await live(h);
    const leads = emulatorRows(h.emu, "Lead").filter((l) => l.fields.IsConverted !== true);
    for (let k = 0; k < 30; k++) h.emu.updateRecord(leads[k]!.id, { Title: `Before ${k}` });
    await until("the first changes", async () => h.applied.reduce((n, a) => n + a.batch.events, 0) >= 30 || undefined);
    // As a SIGKILL: the stream is gone and the lease is not handed back.
    await first.stop({ release: false });
    const stopped = (await streamRow(h))!;
    const before = Number(stopped.events_applied);
    const position = Buffer.from(stopped.replay_id!, "base64").readBigUInt64BE();
    for (let k = 30; k < 60; k++) h.emu.updateRecord(leads[k]!.id, { Title: `While down ${k}` });
    h.emu.deleteRecord(leads[61]!.id);
    manager(h, "worker-b", { leaseTtlMs: 1_500 });
    await until("worker b to take the stream over", async () => (await streamRow(h))?.lease_owner === "worker-b");
    await until("the changes made while down", async () => (await differences(h)).length === 0 || undefined, 30_000);
    expect(await differences(h)).toEqual([]);
    const row = (await streamRow(h))!;
    // Exactly the events after the stored position (the 30 updates, the delete and its cascades), none before it again.
    const after = h.emu.capture.events.filter((e) => BigInt(e.seq) > position).length;
    expect(after).toBeGreaterThanOrEqual(31);
    expect(Number(row.events_applied) - before).toBe(after);
    const byB = h.applied.filter((a) => a.worker === "worker-b").reduce((n, a) => n + a.batch.events, 0);
    expect(byB).toBe(after);
  });

  it("recovers from a gap, an overflow, an expired replay id and auth expiry with 0 differences", async () => {
    const h = await streamingTenant(backend);
    manager(h, "worker-a");
    await live(h);
    const leads = emulatorRows(h.emu, "Lead").filter((l) => l.fields.IsConverted !== true);

    // A gap event names records whose changes it does not carry: they are read by id.
    h.emu.updateRecord(leads[0]!.id, { Title: "Gap target" });
    await control(h, "/cdc/faults/gap", { entity: "Lead", changeType: "GAP_UPDATE", recordIds: [leads[0]!.id] });
    await until("the gap", async () => (await differences(h)).length === 0 || undefined);

    // Overflow: a keyset read of the object covers it, then the stream is live again.
    h.emu.updateRecord(leads[1]!.id, { Title: "Overflow target" });
    await control(h, "/cdc/faults/overflow", { entity: "Lead" });
    await until("the overflow's catch-up request", async () => (await streamRow(h))?.catch_up_objects?.includes("Lead"));
    expect(await runRequestedCatchUp(h)).toContain("Lead");
    await until("live after the overflow", async () => (await streamRow(h))?.state === "live");
    expect(await differences(h)).toEqual([]);

    // Auth expiry mid-stream: the stream logs in again and resumes from its replay id.
    await control(h, "/cdc/faults/auth-expiry");
    h.emu.updateRecord(leads[2]!.id, { Title: "After auth expiry" });
    await until("the change after the auth expiry", async () => (await differences(h)).length === 0 || undefined);

    // An expired replay id: every stored position is gone; the stream restarts at the tip and a read covers the gap.
    await h.managers[0]!.stop({ release: true });
    h.emu.updateRecord(leads[3]!.id, { Title: "While stopped" });
    await control(h, "/cdc/faults/expire-replay");
    manager(h, "worker-b");
    await until("the expired position's catch-up request", async () => (await streamRow(h))?.catch_up_objects?.length === SYNC_OBJECTS.length);
    await runRequestedCatchUp(h);
    await until("live after the expired replay id", async () => (await streamRow(h))?.state === "live");
    h.emu.updateRecord(leads[4]!.id, { Title: "After expiry" });
    await until("the change after the expiry", async () => (await differences(h)).length === 0 || undefined);
    expect(await differences(h)).toEqual([]);
  });

  it("falls back to the regular cycle without the CDC permission, and streams again once it is granted", async () => {
    const h = await streamingTenant(backend);
    const user = h.emu.users[0]!.username;
    await control(h, `/cdc/permissions/${encodeURIComponent(user)}`, { allowed: false }, "PUT");
    const m = manager(h, "worker-a");
    await until("the refusal explained", async () => {
      const row = await streamRow(h);
      return row?.state === "retrying" && /permission/i.test(row.reason ?? "") ? row : undefined;
    });
    // Not live: the scheduler keeps the tenant's regular interval.
    const sent: string[] = [];
    await scheduleSyncWork({
      database: h.db,
      send: async (name, payload) => void (payload.tenantId === h.tenantId && sent.push(name)),
      now: () => new Date(Date.now() + 6 * 60_000),
    });
    expect(sent).toEqual(["sync.incremental"]);
    // Granted again: the next attempt (every 5 minutes; here a fresh worker) streams.
    await control(h, `/cdc/permissions/${encodeURIComponent(user)}`, { allowed: true }, "PUT");
    await m.stop();
    manager(h, "worker-b");
    await until("streaming again", async () => (await streamRow(h))?.state === "live");
    const lead = emulatorRows(h.emu, "Lead").find((l) => l.fields.IsConverted !== true)!;
    // With no position stored the stream starts at LATEST: a change made before the subscription
    // took hold is the scheduled catch-up read's (not run here), so the edit is made again until one streams in.
    let edited = 0;
    await until("the change after the grant", async () => {
      if (Date.now() - edited > 2_000) {
        h.emu.updateRecord(lead.id, { Title: "After the grant" });
        edited = Date.now();
      }
      return (await storedRows(h.db, h.tenantId, "Lead")).find((r) => r.id === lead.id)?.fields.Title === "After the grant" || undefined;
    });
  });

  it("does not apply Ferry's own pushes again: they come back marked with Ferry's client id", async () => {
    const h = await streamingTenant(backend);
    manager(h, "worker-a");
    await live(h);
    const lead = emulatorRows(h.emu, "Lead").find((l) => l.fields.IsConverted !== true)!;
    const [stored] = rowsOf(
      await withTenant({ db: h.db.db, tenantId: h.tenantId }, (tx) =>
        tx.execute(sql`SELECT system_modstamp FROM sf_records WHERE object = 'Lead' AND sf_id = ${lead.id}`),
      ),
    );
    await withTenant({ db: h.db.db, tenantId: h.tenantId }, (tx) =>
      tx.insert(pushQueue).values({
        tenantId: h.tenantId,
        object: "Lead",
        sfId: lead.id,
        changes: { Title: "Pushed by Ferry" },
        baseModstamp: new Date(String(stored!.system_modstamp)),
      }),
    );
    expect(await runPush({ database: h.db, tenantId: h.tenantId, runId: "push", conn: await connect(h.emu) })).toEqual({ outcome: "completed" });
    await until("the echo to be recognised", async () => Number((await streamRow(h))?.echoes_skipped ?? 0) >= 1 || undefined);
    expect(h.applied.flatMap((a) => a.batch).reduce((n, b) => n + b.records, 0)).toBe(0);
    const [after] = await storedRows(h.db, h.tenantId, "Lead").then((rows) => rows.filter((r) => r.id === lead.id));
    expect(after!.fields.Title).toBe("Pushed by Ferry");
  });
});
