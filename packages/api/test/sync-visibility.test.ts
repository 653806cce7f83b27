import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { availableBackends, createTestDatabase, type TestDatabase } from "@ferry/db/testing";
import {
  extractRows,
  fieldCatalog,
  fieldMappings,
  pushQueue,
  salesforceConnections,
  sfRecords,
  syncErrors,
  syncRunObjects,
  syncRuns,
  syncStates,
} from "@ferry/db";
import { pruneExpired } from "@ferry/services";
import { apiHarness, type ApiHarness } from "./harness";

const backends = await availableBackends();
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(Date.now() - ms);

/** 18-character Salesforce-shaped ids: a key prefix and a counter. */
const sfId = (prefix: string, n: number) => `${prefix}000000${String(n).padStart(9, "0")}AAA`.slice(0, 18);

/**
 * The tables the sync engine writes, seeded as the engine leaves them after an initial run that is
 * half-way through: a finished Account object, Contacts and Leads moving, errors from a push.
 */
async function seedSyncedTenant(database: TestDatabase, tenantId: string) {
  const db = database.platform;
  await db.insert(salesforceConnections).values({
    tenantId,
    state: "syncing",
    orgId: "00D000000000001AAA",
    instanceUrl: "https://acme.my.salesforce.test",
    apiDailyCap: 10_000,
    apiDailyLimit: 100_000,
  });
  await db.insert(syncStates).values({ tenantId, state: "running", apiUsed: 4_000, apiLimit: 100_000, apiCheckedAt: new Date() });
  const oldRun = {
    tenantId,
    id: `old-${tenantId}`,
    kind: "incremental" as const,
    status: "succeeded" as const,
    phase: "done" as const,
    apiCalls: 12,
    startedAt: ago(40 * 24 * HOUR),
    finishedAt: ago(40 * 24 * HOUR - 60_000),
  };
  const failedRun = {
    tenantId,
    id: `failed-${tenantId}`,
    kind: "incremental" as const,
    status: "failed" as const,
    phase: "reading" as const,
    error: "Salesforce refused the stored credentials (INVALID_LOGIN)",
    errorCode: "INVALID_LOGIN",
    apiCalls: 3,
    startedAt: ago(5 * HOUR),
    finishedAt: ago(5 * HOUR - 2000),
  };
  const run = {
    tenantId,
    id: `run-${tenantId}`,
    kind: "initial" as const,
    status: "in_progress" as const,
    phase: "writing" as const,
    apiCalls: 40,
    startedAt: ago(2 * HOUR),
  };
  await db.insert(syncRuns).values([oldRun, failedRun, run]);
  await db.insert(syncRunObjects).values([
    {
      tenantId,
      runId: oldRun.id,
      object: "Contact",
      operation: "pull_updates",
      status: "succeeded",
      total: 5,
      processed: 5,
      updated: 5,
      startedAt: oldRun.startedAt,
      finishedAt: oldRun.finishedAt,
    },
    {
      tenantId,
      runId: run.id,
      object: "Account",
      operation: "pull_updates",
      status: "succeeded",
      total: 1000,
      processed: 1000,
      created: 1000,
      apiCalls: 10,
      startedAt: ago(2 * HOUR),
      finishedAt: ago(HOUR),
    },
    {
      tenantId,
      runId: run.id,
      object: "Contact",
      operation: "pull_updates",
      status: "in_progress",
      total: 3000,
      processed: 1500,
      created: 1490,
      failed: 10,
      apiCalls: 20,
      startedAt: ago(HOUR),
    },
    { tenantId, runId: run.id, object: "Lead", operation: "pull_updates", status: "in_progress", total: 1000, processed: 0, startedAt: ago(60_000) },
  ]);
  const people: { object: string; sfId: string; fields: Record<string, unknown>; convertedToId?: string; isDeleted?: boolean }[] = [
    {
      object: "Contact",
      sfId: sfId("003", 1),
      fields: { Id: sfId("003", 1), Name: "Ada Lovelace", Email: "ada@example.com", OwnerId: sfId("005", 1), Phone: "555-0100" },
    },
    {
      object: "Lead",
      sfId: sfId("00Q", 1),
      fields: { Id: sfId("00Q", 1), Name: "Ada Lovelace", Email: " ADA@example.com ", Company: "Analytical Engines", OwnerId: sfId("005", 1) },
    },
    {
      object: "Lead",
      sfId: sfId("00Q", 2),
      fields: { Id: sfId("00Q", 2), Name: "Grace Hopper", Email: "grace@navy.test", Company: "Navy", OwnerId: sfId("005", 2) },
    },
    // Converted into Contact 2: the same person, not a duplicate.
    { object: "Lead", sfId: sfId("00Q", 3), fields: { Id: sfId("00Q", 3), Name: "Alan Turing", Email: "alan@bletchley.test" }, convertedToId: sfId("003", 2) },
    { object: "Contact", sfId: sfId("003", 2), fields: { Id: sfId("003", 2), Name: "Alan Turing", Email: "alan@bletchley.test" } },
    { object: "Contact", sfId: sfId("003", 3), fields: { Id: sfId("003", 3), Name: "Zed Deleted", Email: "grace@navy.test" }, isDeleted: true },
    { object: "Account", sfId: sfId("001", 1), fields: { Id: sfId("001", 1), Name: "Analytical Engines" } },
    { object: "User", sfId: sfId("005", 1), fields: { Id: sfId("005", 1), Name: "Owner One" } },
    { object: "User", sfId: sfId("005", 2), fields: { Id: sfId("005", 2), Name: "Owner Two" } },
  ];
  for (let i = 0; i < 120; i++) {
    people.push({
      object: i % 2 ? "Lead" : "Contact",
      sfId: sfId(i % 2 ? "00Q" : "003", 100 + i),
      fields: {
        Id: sfId(i % 2 ? "00Q" : "003", 100 + i),
        Name: `Person ${String(i).padStart(3, "0")}`,
        Email: `person${i}@bulk.test`,
        OwnerId: sfId("005", 2),
      },
    });
  }
  await db.insert(sfRecords).values(people.map((p) => ({ tenantId, systemModstamp: ago(HOUR), ...p })));
  await db.insert(fieldCatalog).values([
    { tenantId, object: "Contact", fieldName: "Phone", label: "Business Phone", type: "phone", writable: true },
    { tenantId, object: "Contact", fieldName: "Email", label: "Email", type: "email", writable: true },
    { tenantId, object: "Contact", fieldName: "Name", label: "Full Name", type: "string", writable: false },
  ]);
  await db.insert(fieldMappings).values([
    { tenantId, object: "Contact", sfField: "Phone", ferryField: "phone", direction: "two_way" },
    { tenantId, object: "Contact", sfField: "Email", ferryField: "email", direction: "pull" },
  ]);
  await db.insert(syncErrors).values([
    {
      tenantId,
      runId: run.id,
      level: "record",
      object: "Contact",
      sfId: sfId("003", 1),
      operation: "push_updates",
      code: "INVALID_EMAIL_ADDRESS",
      message: "Email: invalid email address: ada@",
      createdAt: ago(30 * 60_000),
    },
    {
      tenantId,
      runId: run.id,
      level: "record",
      object: "Contact",
      sfId: sfId("003", 2),
      operation: "push_updates",
      code: "INVALID_EMAIL_ADDRESS",
      message: "Email: invalid email address: alan@",
      createdAt: ago(20 * 60_000),
    },
    {
      tenantId,
      runId: run.id,
      level: "record",
      object: "Lead",
      sfId: sfId("00Q", 9),
      operation: "pull_updates",
      code: "FIELD_CUSTOM_VALIDATION_EXCEPTION",
      message: "Company is required for leads in EMEA",
    },
    {
      tenantId,
      runId: oldRun.id,
      level: "job",
      code: "UNABLE_TO_LOCK_ROW",
      message: "unable to obtain exclusive access to this record",
      createdAt: ago(35 * 24 * HOUR),
    },
  ]);
  await db.insert(pushQueue).values({
    tenantId,
    object: "Contact",
    sfId: sfId("003", 1),
    changes: { Email: "ada@" },
    state: "failed",
    attempts: 3,
    errorCode: "INVALID_EMAIL_ADDRESS",
  });
  return { run, failedRun, oldRun };
}

describe.each(backends)("sync visibility (status, progress, history, errors, charts, records, duplicates) on %s", (backend) => {
  let database: TestDatabase;
  let api: ApiHarness;
  let owner: { cookie: string; tenantId: string | null };
  let other: { cookie: string; tenantId: string | null };
  let seeded: Awaited<ReturnType<typeof seedSyncedTenant>>;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    api = apiHarness(database);
    owner = await api.signUp({ name: "Sam Sync", email: "sam@acme.test", tenantName: "Acme" });
    other = await api.signUp({ name: "Otto Other", email: "otto@other.test", tenantName: "Other" });
    seeded = await seedSyncedTenant(database, owner.tenantId!);
  });
  afterAll(async () => database?.drop());

  it("rebuilds the badge and the progress page from the database", async () => {
    const asOwner = await api.caller(owner.cookie);
    const badge = await asOwner.syncStatus.badge();
    // 1000 + 1500 + 0 of 5000 counted.
    expect(badge).toMatchObject({ state: "running", runId: seeded.run.id, percent: 50 });
    const current = await asOwner.syncStatus.currentRun();
    expect(current.run).toMatchObject({ id: seeded.run.id, phase: "writing", status: "in_progress" });
    expect(current.objects.map((o) => [o.object, o.total, o.processed, o.created, o.failed])).toEqual([
      ["Account", 1000, 1000, 1000, 0],
      ["Contact", 3000, 1500, 1490, 10],
      ["Lead", 1000, 0, 0, 0],
    ]);
    expect(current).toMatchObject({
      pending: [],
      connectionState: "syncing",
      sync: { state: "running" },
      initialRun: { id: seeded.run.id, status: "in_progress" },
    });
    // Objects of the catalog the run has not reached are listed as pending, in the engine's order.
    const extra = [
      { tenantId: owner.tenantId!, object: "Opportunity", fieldName: "Name", label: "Name", type: "string" },
      { tenantId: owner.tenantId!, object: "User", fieldName: "Name", label: "Name", type: "string" },
    ];
    await database.platform.insert(fieldCatalog).values(extra);
    expect((await asOwner.syncStatus.currentRun()).pending).toEqual(["User", "Opportunity"]);
    await database.platform.delete(fieldCatalog).where(sql`tenant_id = ${owner.tenantId} and object in ('Opportunity', 'User')`);
  });

  it("shows a failed sync with its reason and the run to look at, then setup states for a fresh tenant", async () => {
    await database.platform
      .update(syncStates)
      .set({ state: "failed", message: "Salesforce refused the stored credentials (INVALID_LOGIN)" })
      .where(sql`tenant_id = ${owner.tenantId}`);
    const badge = await (await api.caller(owner.cookie)).syncStatus.badge();
    expect(badge).toMatchObject({ state: "failed", message: expect.stringMatching(/INVALID_LOGIN/), failedRunId: seeded.failedRun.id });
    await database.platform.update(syncStates).set({ state: "running", message: null }).where(sql`tenant_id = ${owner.tenantId}`);
    expect(await (await api.caller(other.cookie)).syncStatus.badge()).toMatchObject({ state: "not_connected", percent: null, runId: null });
  });

  it("keeps Last Synced, marked checking, while a reconciliation runs", async () => {
    const lastSyncedAt = new Date(Date.now() - 60_000);
    await database.platform.update(syncStates).set({ state: "running", lastSyncedAt }).where(sql`tenant_id = ${owner.tenantId}`);
    await database.platform
      .insert(syncRuns)
      .values({ tenantId: owner.tenantId!, id: "reconcile-now", kind: "reconcile", status: "in_progress", phase: "reconciling", startedAt: new Date() });
    try {
      const badge = await (await api.caller(owner.cookie)).syncStatus.badge();
      expect(badge).toMatchObject({ state: "idle", checking: true, percent: null, lastSyncedAt: lastSyncedAt.toISOString() });
    } finally {
      await database.platform.delete(syncRuns).where(sql`tenant_id = ${owner.tenantId} and id = 'reconcile-now'`);
      await database.platform.update(syncStates).set({ lastSyncedAt: null }).where(sql`tenant_id = ${owner.tenantId}`);
    }
  });

  it("lists history per run, object and operation with filters, paging and CSV", async () => {
    const asOwner = await api.caller(owner.cookie);
    const all = await asOwner.history.list({});
    // The 40-day-old run is past the 30-day window (and waits for the prune job).
    expect(all.total).toBe(4);
    expect(all.rows.map((r) => [r.runId, r.object, r.status])).toEqual([
      [seeded.run.id, "Account", "succeeded"],
      [seeded.run.id, "Contact", "in_progress"],
      [seeded.run.id, "Lead", "in_progress"],
      [seeded.failedRun.id, null, "failed"],
    ]);
    expect(all.rows[0]).toMatchObject({ created: 1000, apiCalls: 10, durationMs: HOUR });
    const failed = await asOwner.history.list({ status: "failed" });
    expect(failed.rows).toEqual([expect.objectContaining({ runId: seeded.failedRun.id, error: expect.stringMatching(/INVALID_LOGIN/), apiCalls: 3 })]);
    const page2 = await asOwner.history.list({ pageSize: 5, page: 2 });
    expect(page2).toMatchObject({ rows: [], total: 4 });
    const contacts = await asOwner.history.list({ object: "Contact", days: 30 });
    expect(contacts.rows.map((r) => r.runId)).toEqual([seeded.run.id]);
    const csv = await asOwner.history.exportCsv({ status: "in_progress" });
    expect(csv.csv.split("\r\n")[0]).toMatch(/^run_id,kind,object,operation,status,new,updated,deleted,failed,skipped,api_calls/);
    expect(csv.rows).toBe(2);
    expect(csv.csv).toContain(`${seeded.run.id},initial,Contact,pull_updates,in_progress,1490,0,0,10,0,20`);
  });

  it("groups errors by code with an explanation and links, retries and ignores them, exports CSV", async () => {
    const asOwner = await api.caller(owner.cookie);
    const list = await asOwner.syncError.list({});
    expect(list.groups.map((g) => [g.code, g.count])).toEqual([
      ["INVALID_EMAIL_ADDRESS", 2],
      ["FIELD_CUSTOM_VALIDATION_EXCEPTION", 1],
      ["UNABLE_TO_LOCK_ROW", 1],
    ]);
    const email = list.groups[0]!;
    expect(email.explanation).toMatchObject({ title: "The email address is not valid", known: true });
    expect(email.errors[0]).toMatchObject({
      sfId: sfId("003", 2),
      salesforceUrl: `https://acme.my.salesforce.test/${sfId("003", 2)}`,
      ferryPath: `/records/Contact/${sfId("003", 2)}`,
    });
    // Lead 00Q…9 never synced: no Ferry link, still a Salesforce one.
    expect(list.groups[1]!.errors[0]).toMatchObject({ ferryPath: null, salesforceUrl: expect.stringContaining(sfId("00Q", 9)) });

    const retried = await asOwner.syncError.retry({ code: "INVALID_EMAIL_ADDRESS" });
    expect(retried).toEqual({ retried: 2, requeuedPushes: 1, queued: [] });
    const [push] = await database.platform.select().from(pushQueue).where(sql`tenant_id = ${owner.tenantId}`);
    expect(push).toMatchObject({ state: "queued", attempts: 0, errorCode: null });
    const afterRetry = await asOwner.syncError.list({});
    expect(afterRetry.groups[0]!.errors.every((e) => e.state === "retrying")).toBe(true);

    const lock = list.groups[2]!.errors[0]!;
    expect(await asOwner.syncError.ignore({ ids: [lock.id] })).toEqual({ ignored: 1 });
    expect((await asOwner.syncError.list({})).groups.map((g) => g.code)).not.toContain("UNABLE_TO_LOCK_ROW");
    expect((await asOwner.syncError.list({ state: "ignored" })).groups.map((g) => g.code)).toEqual(["UNABLE_TO_LOCK_ROW"]);
    await expect(asOwner.syncError.ignore({ ids: [lock.id] })).rejects.toThrow(/No open errors match/);

    const csv = await asOwner.syncError.exportCsv({ state: "all" });
    expect(csv.rows).toBe(4);
    expect(csv.csv).toContain("INVALID_EMAIL_ADDRESS,The email address is not valid,Contact");
  });

  it("charts throughput, backlog and API usage with a projection", async () => {
    const charts = await (await api.caller(owner.cookie)).chart.sync({ days: 1 });
    const processed = charts.throughput.reduce((n, t) => n + t.processed, 0);
    expect(processed).toBeGreaterThanOrEqual(2499);
    expect(processed).toBeLessThanOrEqual(2501);
    expect(charts.objects).toEqual(["Account", "Contact", "Lead"]);
    expect(charts.backlog.at(-1)!.values).toMatchObject({ Account: 0, Contact: 1500, Lead: 1000 });
    expect(charts.api).toMatchObject({ used: 4000, cap: 10_000, orgLimit: 100_000 });
    expect(charts.api.callsPerHour).toBeGreaterThan(0);
    expect(new Date(charts.api.projectedCapAt!).getTime()).toBeGreaterThan(Date.now());

    // By default the period with data: the run that started two hours ago and still runs, in 5-minute buckets.
    const recent = await (await api.caller(owner.cookie)).chart.sync({});
    expect(recent).toMatchObject({ bucketMinutes: 5, days: null });
    expect(new Date(recent.from).getTime()).toBeLessThanOrEqual(Date.now() - 2 * HOUR);
    expect(new Date(recent.from).getTime()).toBeGreaterThan(Date.now() - 2 * HOUR - 10 * 60_000);
    expect(recent.throughput.reduce((n, t) => n + t.processed, 0)).toBe(2500);
    expect(recent.throughput.length).toBeLessThanOrEqual(30);
    // The running run's 40 calls and the failed run's 3 are Ferry's calls of the last 24 hours.
    expect(recent.api).toMatchObject({ ferryCalls: 43, orgUsed: 4000, used: 4000 });
  });

  it("counts a list's matches exactly up to 10,000 and says 10,000+ beyond", async () => {
    const big = await api.signUp({ name: "Bea Big", email: "bea@big.test", tenantName: "Big" });
    // 10,001 Leads named "Lead 00001"… and 2 Contacts, written as the sync stores them.
    await database.platform.execute(sql`
      insert into sf_records (tenant_id, object, sf_id, fields, system_modstamp, person_id, synced_at)
      select ${big.tenantId}, o.object, o.id, jsonb_build_object('Id', o.id, 'Name', o.name, 'Email', lower(replace(o.name, ' ', '')) || '@big.test'), now(), o.id, now()
      from (
        select 'Lead' as object, '00Q' || lpad(g::text, 15, '0') as id, 'Lead ' || lpad(g::text, 5, '0') as name from generate_series(1, 10001) g
        union all
        select 'Contact', '003' || lpad(g::text, 15, '0'), 'Contact ' || g from generate_series(1, 2) g
      ) o`);
    const asBig = await api.caller(big.cookie);
    expect(await asBig.record.list({ kind: "people" })).toMatchObject({ total: 10_000, totalIsAtLeast: true });
    expect(await asBig.record.list({ kind: "people", type: "Lead" })).toMatchObject({ total: 10_000, totalIsAtLeast: true });
    // Exactly the cap is still exact; fewer matches are counted exactly.
    await database.platform.execute(sql`delete from sf_records where tenant_id = ${big.tenantId} and object = 'Contact'`);
    await database.platform.execute(sql`delete from sf_records where tenant_id = ${big.tenantId} and sf_id = ${"00Q" + "10001".padStart(15, "0")}`);
    expect(await asBig.record.list({ kind: "people" })).toMatchObject({ total: 10_000, totalIsAtLeast: false });
    expect(await asBig.record.list({ kind: "people", search: "lead 0999" })).toMatchObject({ total: 10, totalIsAtLeast: false });
    expect(await asBig.record.list({ kind: "people", type: "Contact" })).toMatchObject({ total: 0, totalIsAtLeast: false, rows: [] });
    // The owner's own tenant is untouched by the other's count.
    expect((await (await api.caller(owner.cookie)).record.list({ kind: "people" })).totalIsAtLeast).toBe(false);
  });

  it("browses people by name and email with keyset paging, filters and a record page", async () => {
    const asOwner = await api.caller(owner.cookie);
    const first = await asOwner.record.list({ kind: "people", limit: 50 });
    expect(first.rows[0]).toMatchObject({ name: "Ada Lovelace" });
    // The first page carries the total of what the filters match; later pages do not count again.
    const [people] = extractRows<{ n: number }>(
      await database.platform.execute(
        sql`select count(*)::int as n from sf_records where tenant_id = ${owner.tenantId} and object in ('Lead', 'Contact') and not is_deleted`,
      ),
    );
    expect(first.total).toBe(people!.n);
    expect(first.total).toBeGreaterThan(120);
    expect(first.totalIsAtLeast).toBe(false);
    expect((await asOwner.record.list({ kind: "people", limit: 50, cursor: first.nextCursor! })).total).toBeNull();
    expect(first.rows.map((r) => r.name)).not.toContain("Zed Deleted");
    const seen = new Set(first.rows.map((r) => r.sfId));
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await asOwner.record.list({ kind: "people", limit: 50, cursor });
      for (const row of page.rows) seen.add(row.sfId);
      cursor = page.nextCursor;
    }
    expect(seen.size).toBe(125);

    // Leads and Contacts interleave in one order. Written out: by name, then by id in byte order
    // ('3' < 'Q'); pages of 7, so page boundaries fall between the two objects and between equal names.
    const byName = [
      ...[sfId("003", 1), sfId("00Q", 1)], // Ada Lovelace: a Contact and a Lead
      ...[sfId("003", 2), sfId("00Q", 3)], // Alan Turing
      sfId("00Q", 2), // Grace Hopper
      ...Array.from({ length: 120 }, (_, i) => sfId(i % 2 ? "00Q" : "003", 100 + i)), // Person 000–119
    ];
    for (const sort of ["asc", "desc"] as const) {
      const order: string[] = [];
      let after: typeof first.nextCursor = null;
      do {
        const page = await asOwner.record.list({ kind: "people", sort, limit: 7, ...(after ? { cursor: after } : {}) });
        order.push(...page.rows.map((r) => r.sfId));
        after = page.nextCursor;
      } while (after);
      expect(order, sort).toEqual(sort === "asc" ? byName : [...byName].reverse());
    }
    const graces = await asOwner.record.list({ kind: "people", search: "gr" });
    expect(graces.rows.map((r) => [r.object, r.name])).toEqual([["Lead", "Grace Hopper"]]);
    expect(graces.total).toBe(1);

    const byEmail = await asOwner.record.list({ kind: "people", search: "ADA@EXAMPLE" });
    expect(byEmail.searchedBy).toBe("email");
    expect(byEmail.rows.map((r) => [r.object, r.ownerName])).toEqual([
      ["Contact", "Owner One"],
      ["Lead", "Owner One"],
    ]);
    expect(byEmail.rows[0]).toMatchObject({ hasError: true, pendingPushes: 1 });
    expect((await asOwner.record.list({ kind: "people", search: "person_" })).rows).toEqual([]);
    expect((await asOwner.record.list({ kind: "people", search: "grace", type: "Lead" })).rows.map((r) => r.name)).toEqual(["Grace Hopper"]);
    expect((await asOwner.record.list({ kind: "people", deleted: "only" })).rows.map((r) => r.name)).toEqual(["Zed Deleted"]);
    expect((await asOwner.record.list({ kind: "people", hasError: true })).rows.map((r) => r.object)).toEqual(["Contact", "Contact"]);
    expect((await asOwner.record.list({ kind: "people", ownerId: sfId("005", 1) })).rows).toHaveLength(2);
    expect((await asOwner.record.list({ kind: "companies" })).rows.map((r) => r.name)).toEqual(["Analytical Engines"]);
    const desc = await asOwner.record.list({ kind: "people", sort: "desc", limit: 1 });
    expect(desc.rows[0]!.name).toBe("Person 119");

    const record = await asOwner.record.view({ object: "Contact", sfId: sfId("003", 1) });
    expect(record.salesforceUrl).toBe(`https://acme.my.salesforce.test/${sfId("003", 1)}`);
    expect(record.fields.find((f) => f.name === "Phone")).toMatchObject({ label: "Business Phone", value: "555-0100", editable: true });
    expect(record.fields.find((f) => f.name === "Email")).toMatchObject({ editable: false });
    expect(record.errors[0]).toMatchObject({ code: "INVALID_EMAIL_ADDRESS" });
  });

  it("queues an edit of a two-way field as a push and refuses pull-only fields", async () => {
    const asOwner = await api.caller(owner.cookie);
    const push = await asOwner.record.edit({ object: "Contact", sfId: sfId("003", 1), changes: { Phone: "555-0199" } });
    expect(push).toMatchObject({ state: "queued", changes: { Phone: "555-0199" } });
    const [row] = await database.platform.select().from(pushQueue).where(sql`id = ${push.id}`);
    expect(row!.baseModstamp).toBeInstanceOf(Date);
    await expect(asOwner.record.edit({ object: "Contact", sfId: sfId("003", 1), changes: { Email: "x@y.test" } })).rejects.toThrow(/not a two-way field/);
    await expect(asOwner.record.edit({ object: "Contact", sfId: sfId("003", 1), changes: { Phone: "555-0100" } })).rejects.toThrow(/Nothing changed/);
    const record = await asOwner.record.view({ object: "Contact", sfId: sfId("003", 1) });
    expect(record.pushes[0]).toMatchObject({ id: push.id, state: "queued" });
  });

  it("reports people sharing a normalised email, ignoring converted leads and deleted rows", async () => {
    const asOwner = await api.caller(owner.cookie);
    const dups = await asOwner.duplicate.list({});
    expect(dups.groups.map((g) => [g.email, g.count, g.members.map((m) => m.object)])).toEqual([["ada@example.com", 2, ["Contact", "Lead"]]]);
    expect(dups.nextAfter).toBeNull();
    expect(await asOwner.duplicate.summary()).toEqual({ groups: 1, people: 2 });
    const csv = await asOwner.duplicate.exportCsv();
    expect(csv.csv.trim().split("\r\n")).toHaveLength(3);
  });

  it("gives another tenant's users nothing and lets viewers read but not act", async () => {
    const asOther = await api.caller(other.cookie);
    expect((await asOther.history.list({})).rows).toEqual([]);
    expect((await asOther.syncError.list({})).groups).toEqual([]);
    expect((await asOther.record.list({ kind: "people" })).rows).toEqual([]);
    expect((await asOther.duplicate.list({})).groups).toEqual([]);
    expect((await asOther.syncStatus.currentRun()).run).toBeNull();
    await expect(asOther.record.view({ object: "Contact", sfId: sfId("003", 1) })).rejects.toThrow(/not in Ferry/);
    await expect(asOther.record.edit({ object: "Contact", sfId: sfId("003", 1), changes: { Phone: "1" } })).rejects.toThrow(/not in Ferry/);
    await expect(asOther.syncError.retry({ code: "INVALID_EMAIL_ADDRESS" })).rejects.toThrow(/No open errors/);
    const [theirs] = await database.platform.select({ id: syncErrors.id }).from(syncErrors).where(sql`tenant_id = ${owner.tenantId}`).limit(1);
    await expect(asOther.syncError.ignore({ ids: [theirs!.id] })).rejects.toThrow(/No open errors/);
    expect((await asOther.chart.sync({})).throughput.every((t) => t.processed === 0)).toBe(true);

    const invitation = await (await api.caller(owner.cookie)).invitation.create({ email: "val@acme.test", role: "viewer" });
    const viewer = await api.signUp({ name: "Val Viewer", email: "val@acme.test" });
    await (await api.caller(viewer.cookie)).invitation.accept({ invitationId: invitation.id });
    const asViewer = await api.caller(viewer.cookie);
    expect((await asViewer.history.list({})).total).toBe(4);
    await expect(asViewer.syncError.retry({ code: "FIELD_CUSTOM_VALIDATION_EXCEPTION" })).rejects.toThrow(/needs the admin role/);
    await expect(asViewer.record.edit({ object: "Contact", sfId: sfId("003", 1), changes: { Phone: "1" } })).rejects.toThrow(/needs the admin role/);
  });

  it("prunes history and errors older than 30 days, keeping recent ones", async () => {
    const removed = await pruneExpired({ db: database.platform });
    expect(removed).toMatchObject({ syncRuns: 1, syncRunObjects: 1, syncErrors: 1 });
    const runs = await database.platform.select({ id: syncRuns.id }).from(syncRuns).where(sql`tenant_id = ${owner.tenantId}`);
    expect(runs.map((r) => r.id).sort()).toEqual([seeded.failedRun.id, seeded.run.id].sort());
  });
});
