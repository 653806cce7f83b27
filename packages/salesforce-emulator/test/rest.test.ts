import { describe, expect, it } from "vitest";
import { errorOf, raw, soapLogin, start, useEmulator, VERSION } from "./helpers";

const ctx = useEmulator();

describe("describe", () => {
  it("describeGlobal lists every emulated object without fields", async () => {
    const g = await ctx.conn.describeGlobal();
    const names = g.sobjects.map((s) => s.name);
    expect(names).toEqual(
      expect.arrayContaining(["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember"]),
    );
    expect(g.sobjects.find((s) => s.name === "Lead")).toMatchObject({ keyPrefix: "00Q", queryable: true, replicateable: true });
    expect(g.sobjects.every((s) => !("fields" in s))).toBe(true);
  });

  it("describe gives full field metadata", async () => {
    const d = await ctx.conn.describe("lead");
    expect(d.name).toBe("Lead");
    const f = (n: string) => d.fields.find((x) => x.name === n)!;
    expect(f("Id")).toMatchObject({ type: "id", length: 18, createable: false, updateable: false, nillable: false, idLookup: true });
    expect(f("ConvertedContactId")).toMatchObject({ type: "reference", referenceTo: ["Contact"], relationshipName: "ConvertedContact", createable: false });
    expect(f("OwnerId")).toMatchObject({ referenceTo: ["Group", "User"], relationshipName: "Owner", namePointing: true });
    expect((f("Status").picklistValues ?? []).map((p) => p.value)).toContain("Closed - Converted");
    expect(f("ExternalKey__c")).toMatchObject({ custom: true, externalId: true, type: "string", length: 40 });
    expect(f("SystemModstamp")).toMatchObject({ type: "datetime", soapType: "xsd:dateTime" });
    expect(f("IsDeleted")).toMatchObject({ type: "boolean", updateable: false });
    const account = await ctx.conn.describe("Account");
    expect(account.childRelationships.map((c) => c.relationshipName)).toContain("Contacts");
  });
});

describe("query", () => {
  it("autoFetch follows locators across at least 3 pages with Sforce-Query-Options batchSize", async () => {
    const seen: string[] = [];
    const res = await ctx.conn.query("SELECT Id, Name, Owner.Name FROM Lead ORDER BY Id", {
      autoFetch: true,
      maxFetch: 100_000,
      headers: { "Sforce-Query-Options": "batchSize=1000" },
    } as never);
    expect(res.totalSize).toBe(5_000);
    expect(res.records.length).toBe(5_000);
    expect(res.done).toBe(true);
    for (const r of res.records) seen.push(r.Id as string);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(5_000);
    const first = await ctx.conn.query("SELECT Id FROM Lead", { headers: { "Sforce-Query-Options": "batchSize=1000" } } as never);
    expect(first.records.length).toBe(1000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g\w+-1000$/);
    const second = await ctx.conn.queryMore(first.nextRecordsUrl!);
    expect(second.records.length).toBe(1000);
    expect(second.records[0]!.Id).not.toBe(first.records[0]!.Id);
  });

  it("an unknown locator is INVALID_QUERY_LOCATOR", async () => {
    const e = await errorOf(ctx.conn.queryMore("01gHE000000AAAAAAA-2000"));
    expect(e.errorCode).toBe("INVALID_QUERY_LOCATOR");
  });

  it("cursors expire when idle, and an 11th open cursor releases the oldest", async () => {
    const quick = await start({ queryLocatorIdleSeconds: 1, counts: { Lead: 1_000 } });
    try {
      const c = await soapLogin(quick);
      const opts = { headers: { "Sforce-Query-Options": "batchSize=200" } } as never;
      const open = [];
      for (let k = 0; k < 11; k++) open.push(await c.query("SELECT Id FROM Lead", opts));
      expect((await errorOf(c.queryMore(open[0]!.nextRecordsUrl!))).errorCode).toBe("INVALID_QUERY_LOCATOR");
      expect((await c.queryMore(open[10]!.nextRecordsUrl!)).records.length).toBe(200);
      await new Promise((r) => setTimeout(r, 1_300));
      const e = await errorOf(c.queryMore(open[10]!.nextRecordsUrl!));
      expect(e.errorCode).toBe("INVALID_QUERY_LOCATOR");
      expect(e.message).toBe("invalid query locator");
    } finally {
      await quick.stop();
    }
  });

  it("queryAll returns deleted and merged rows; query never does", async () => {
    const leads = (await ctx.conn.query("SELECT Id FROM Lead ORDER BY Id LIMIT 3")).records.map((r) => r.Id as string);
    await ctx.conn.sobject("Lead").destroy(leads[0]!);
    ctx.emu.mergeRecords(leads[1]!, [leads[2]!]);
    const q = await ctx.conn.query(`SELECT Id FROM Lead WHERE Id IN ('${leads.join("','")}')`);
    expect(q.records.map((r) => r.Id)).toEqual([leads[1]]);
    const all = await ctx.conn.query(`SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id IN ('${leads.join("','")}') ORDER BY Id`, {
      scanAll: true,
    } as never);
    expect(all.records.map((r) => [r.Id, r.IsDeleted, r.MasterRecordId])).toEqual([
      [leads[0], true, null],
      [leads[1], false, null],
      [leads[2], true, leads[1]],
    ]);
    const deletedOnly = await ctx.conn.query("SELECT Id FROM Lead WHERE IsDeleted = true");
    expect(deletedOnly.totalSize).toBe(0);
  });
});

describe("records", () => {
  it("create, retrieve, update, delete a single record", async () => {
    const created = await ctx.conn.sobject("Account").create({ Name: "Emu Co", Industry: "Energy" });
    expect(created).toMatchObject({ success: true, errors: [] });
    const id = (created as { id: string }).id;
    expect(id).toMatch(/^001\w{15}$/);
    const rec = await ctx.conn.sobject("Account").retrieve(id);
    expect(rec).toMatchObject({ Id: id, Name: "Emu Co", Industry: "Energy", IsDeleted: false });
    expect(rec.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
    await ctx.conn.sobject("Account").update({ Id: id, Name: "Emu Co 2" });
    expect((await ctx.conn.sobject("Account").retrieve(id)).Name).toBe("Emu Co 2");
    await ctx.conn.sobject("Account").destroy(id);
    const e = await errorOf(ctx.conn.sobject("Account").retrieve(id));
    expect(e.errorCode).toBe("NOT_FOUND");
    const res = await raw(ctx.conn, `/sobjects/Account/${id}`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual([{ errorCode: "NOT_FOUND", message: "The requested resource does not exist" }]);
  });

  it("ids increase with creation so ORDER BY Id follows creation", async () => {
    const a = (await ctx.conn.sobject("Lead").create({ LastName: "A", Company: "X" })) as { id: string };
    const b = (await ctx.conn.sobject("Lead").create({ LastName: "B", Company: "X" })) as { id: string };
    expect(a.id < b.id).toBe(true);
    const last = await ctx.conn.query("SELECT Id FROM Lead ORDER BY Id DESC LIMIT 2");
    expect(last.records.map((r) => r.Id)).toEqual([b.id, a.id]);
  });

  it("required fields and read-only fields give Salesforce errors", async () => {
    const e = await errorOf(ctx.conn.sobject("Account").create({ Industry: "Energy" }));
    expect(e.errorCode).toBe("REQUIRED_FIELD_MISSING");
    expect(e.message).toBe("Required fields are missing: [Name]");
    const res = await raw(ctx.conn, "/sobjects/Lead", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ LastName: "x", Company: "y", IsConverted: true }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([
      {
        message:
          "Unable to create/update fields: IsConverted. Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
        errorCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
        fields: ["IsConverted"],
      },
    ]);
  });

  it("upsert by external id: 201 insert, 200 update, 300 multiple", async () => {
    const inserted = await ctx.conn.sobject("Account").upsert({ ExternalKey__c: "K-1", Name: "Upserted" }, "ExternalKey__c");
    expect(inserted).toMatchObject({ success: true, created: true });
    const updated = await ctx.conn.sobject("Account").upsert({ ExternalKey__c: "k-1", Name: "Upserted 2" }, "ExternalKey__c");
    expect(updated).toMatchObject({ success: true, created: false, id: (inserted as { id: string }).id });
    // generated accounts carry ACC-00000001…; upsert onto one of them
    const gen = await ctx.conn.sobject("Account").upsert({ ExternalKey__c: "ACC-00000001", Name: "Renamed" }, "ExternalKey__c");
    expect(gen).toMatchObject({ created: false });
    const first = await ctx.conn.query("SELECT Id, Name FROM Account WHERE ExternalKey__c = 'ACC-00000001'");
    expect(first.records[0]!.Name).toBe("Renamed");
    // two records sharing a (non-unique) external id: 300 → MULTIPLE_CHOICES
    ctx.emu.addCustomField("Contact", { name: "LegacyId__c", type: "string", externalId: true, length: 20 });
    const acct = first.records[0]!.Id as string;
    ctx.emu.createRecord("Contact", { LastName: "one", LegacyId__c: "L1", AccountId: acct });
    ctx.emu.createRecord("Contact", { LastName: "two", LegacyId__c: "L1" });
    const e = await errorOf(ctx.conn.sobject("Contact").upsert({ LegacyId__c: "L1", LastName: "x" }, "LegacyId__c"));
    expect(e.errorCode).toBe("MULTIPLE_CHOICES");
    expect((e.data as string[]).length).toBe(2);
  });

  it("collections: create with per-item errors, allOrNone rollback, update, retrieve, delete", async () => {
    const results = await ctx.conn.sobject("Account").create([{ Name: "c1" }, { Industry: "no name" }, { Name: "c3" }]);
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[1]!.errors[0]).toMatchObject({ statusCode: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [Name]", fields: ["Name"] });
    const before = (await ctx.conn.query("SELECT count() FROM Account")).totalSize;
    const rolled = await ctx.conn
      .sobject("Account")
      .create([{ Name: "r1" }, { Name: "r2", OwnerId: "bogus" }], { allOrNone: true } as never)
      .catch((e: unknown) => e);
    // jsforce throws on allOrNone failures; the per-item results are what the server sent
    const items = Array.isArray(rolled) ? rolled : (((rolled as { data?: unknown }).data ?? []) as { success: boolean; errors: { statusCode: string }[] }[]);
    const wire = await raw(ctx.conn, "/composite/sobjects", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        allOrNone: true,
        records: [
          { attributes: { type: "Account" }, Name: "r1" },
          { attributes: { type: "Account" }, Name: "r2", OwnerId: "bogus" },
        ],
      }),
    });
    const body = (await wire.json()) as { success: boolean; errors: { statusCode: string; fields: string[] }[] }[];
    expect(body[0]).toMatchObject({ success: false, errors: [{ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK" }] });
    expect(body[1]).toMatchObject({ success: false, errors: [{ statusCode: "MALFORMED_ID", fields: ["OwnerId"] }] });
    expect(items.length === 0 || items.every((r) => !r.success)).toBe(true);
    expect((await ctx.conn.query("SELECT count() FROM Account")).totalSize).toBe(before);
    const ids = results.filter((r) => r.success).map((r) => (r as { id: string }).id);
    const upd = await ctx.conn.sobject("Account").update(ids.map((Id) => ({ Id, Description: "updated" })));
    expect(upd.every((r) => r.success)).toBe(true);
    const fetched = await ctx.conn.sobject("Account").retrieve([...ids, "001HE000000ZZZZZZZ"]);
    expect(fetched.map((r) => r && r.Description)).toEqual(["updated", "updated", null]);
    const del = await ctx.conn.sobject("Account").destroy([...ids, ids[0]!]);
    expect(del.map((r) => r.success)).toEqual([true, true, false]);
    expect(del[2]!.errors[0]).toMatchObject({ statusCode: "ENTITY_IS_DELETED" });
  });

  it("collection upsert by external id", async () => {
    const out = await ctx.conn.sobject("Lead").upsert(
      [
        { ExternalKey__c: "LEA-00000001", LastName: "Gen" },
        { ExternalKey__c: "NEW-1", LastName: "New", Company: "Co" },
      ],
      "ExternalKey__c",
    );
    expect(out.map((r) => [r.success, (r as { created?: boolean }).created])).toEqual([
      [true, false],
      [true, true],
    ]);
  });

  it("more than 200 records in a collection is EXCEEDED_ID_LIMIT", async () => {
    const e = await errorOf(ctx.conn.sobject("Account").create(Array.from({ length: 201 }, (_, k) => ({ Name: `n${k}` }))));
    expect(e.errorCode).toBe("EXCEEDED_ID_LIMIT");
    expect(e.message).toBe("record limit reached. cannot submit more than 200 records into this call");
  });
});

describe("replication", () => {
  it("getUpdated and getDeleted inside their windows", async () => {
    const start = new Date(Date.parse(ctx.emu.now().replace("+0000", "Z")) - 60_000);
    const created = (await ctx.conn.sobject("Contact").create({ LastName: "Fresh" })) as { id: string };
    const doomed = (await ctx.conn.sobject("Contact").create({ LastName: "Doomed" })) as { id: string };
    await ctx.conn.sobject("Contact").destroy(doomed.id);
    ctx.emu.advanceClock(120);
    const end = new Date(Date.parse(ctx.emu.now().replace("+0000", "Z")));
    const updated = await ctx.conn.sobject("Contact").updated(start.toISOString(), end.toISOString());
    expect(updated.ids).toContain(created.id);
    expect(updated.ids).not.toContain(doomed.id);
    expect(updated.latestDateCovered).toMatch(/:00\.000\+0000$/);
    const deleted = await ctx.conn.sobject("Contact").deleted(start.toISOString(), end.toISOString());
    expect(deleted.deletedRecords.map((d) => d.id)).toEqual([doomed.id]);
    expect(deleted.earliestDateAvailable).toMatch(/\+0000$/);
    // generated records modified in the last 30 days are reported too
    const monthAgo = new Date(end.getTime() - 29 * 86_400_000);
    const recent = await ctx.conn.sobject("Lead").updated(monthAgo.toISOString(), end.toISOString());
    const check = await ctx.conn.query(
      `SELECT count() FROM Lead WHERE SystemModstamp >= ${monthAgo.toISOString().slice(0, 17)}00Z AND SystemModstamp < ${recent.latestDateCovered.replace(".000+0000", "Z")}`,
    );
    expect(recent.ids.length).toBe(check.totalSize);
  });

  it("outside the windows: INVALID_REPLICATION_DATE; deletions older than 15 days leave the recycle bin", async () => {
    const now = Date.parse(ctx.emu.now().replace("+0000", "Z"));
    const e = await errorOf(ctx.conn.sobject("Account").updated(new Date(now - 31 * 86_400_000).toISOString(), new Date(now).toISOString()));
    expect(e.errorCode).toBe("INVALID_REPLICATION_DATE");
    const e2 = await errorOf(ctx.conn.sobject("Account").deleted(new Date(now - 16 * 86_400_000).toISOString(), new Date(now).toISOString()));
    expect(e2.errorCode).toBe("INVALID_REPLICATION_DATE");
    const minute = Math.floor(now / 60_000) * 60_000;
    const e3 = await errorOf(ctx.conn.sobject("Account").updated(new Date(minute - 60_000).toISOString(), new Date(minute - 30_000).toISOString()));
    expect(e3.message).toBe("startDate must be at least one minute greater than endDate");
    const victim = (await ctx.conn.query("SELECT Id FROM Account LIMIT 1")).records[0]!.Id as string;
    await ctx.conn.sobject("Account").destroy(victim);
    ctx.emu.advanceClock(16 * 86_400);
    const later = Date.parse(ctx.emu.now().replace("+0000", "Z"));
    const deleted = await ctx.conn.sobject("Account").deleted(new Date(later - 14 * 86_400_000).toISOString(), new Date(later).toISOString());
    expect(deleted.deletedRecords).toEqual([]);
    expect(Date.parse(deleted.earliestDateAvailable.replace("+0000", "Z"))).toBeGreaterThanOrEqual(now - 1000);
    const all = await ctx.conn.query(`SELECT Id FROM Account WHERE Id = '${victim}'`, { scanAll: true } as never);
    expect(all.totalSize).toBe(0);
  });
});

describe("replication window rules", () => {
  const iso = (t: number) => new Date(t).toISOString();
  const orgNow = () => Date.parse(ctx.emu.now().replace("+0000", "Z"));

  it("a future end includes the still-open minute; latestDateCovered stops at its start", async () => {
    const victim = (await ctx.conn.sobject("Lead").create({ LastName: "Gone", Company: "Soon" })) as { id: string };
    await ctx.conn.sobject("Lead").destroy(victim.id);
    const now = orgNow();
    const deleted = await ctx.conn.sobject("Lead").deleted(iso(now - 5 * 60_000), iso(now + 3_600_000));
    expect(deleted.deletedRecords.map((d) => d.id)).toEqual([victim.id]);
    const minute = Math.floor(now / 60_000) * 60_000;
    // the call may land in the next minute
    expect([minute, minute + 60_000].map((t) => `${iso(t).slice(0, 19)}.000+0000`)).toContain(deleted.latestDateCovered);
    const fresh = (await ctx.conn.sobject("Lead").create({ LastName: "New", Company: "Now" })) as { id: string };
    const updated = await ctx.conn.sobject("Lead").updated(iso(now - 5 * 60_000), iso(now + 3_600_000));
    expect(updated.ids).toContain(fresh.id);
    // an end inside the current minute is truncated to its start, which leaves the minute out
    const cut = await ctx.conn.sobject("Lead").deleted(iso(now - 5 * 60_000), iso(Math.floor(now / 60_000) * 60_000 + 59_000));
    expect(cut.deletedRecords.map((d) => d.id)).not.toContain(victim.id);
  });

  it("start may reach back to the start of the day 15 (deleted) or 30 (updated) days ago, not further", async () => {
    const now = orgNow();
    const dayStart = Math.floor(now / 86_400_000) * 86_400_000;
    await ctx.conn.sobject("Account").deleted(iso(dayStart - 15 * 86_400_000), iso(now));
    await ctx.conn.sobject("Account").updated(iso(dayStart - 30 * 86_400_000), iso(now));
    expect((await errorOf(ctx.conn.sobject("Account").deleted(iso(dayStart - 15 * 86_400_000 - 60_000), iso(now)))).errorCode).toBe("INVALID_REPLICATION_DATE");
    expect((await errorOf(ctx.conn.sobject("Account").updated(iso(dayStart - 30 * 86_400_000 - 60_000), iso(now)))).errorCode).toBe("INVALID_REPLICATION_DATE");
  });
});

describe("limits", () => {
  it("/limits and the Sforce-Limit-Info header read by conn.limitInfo", async () => {
    const limits = (await ctx.conn.limits()) as unknown as Record<string, { Max: number; Remaining: number }>;
    expect(limits.DailyApiRequests!.Max).toBe(15_000);
    expect(limits.DataStorageMB).toBeDefined();
    expect(limits.FileStorageMB).toBeDefined();
    await ctx.conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(ctx.conn.limitInfo.apiUsage?.limit).toBe(15_000);
    const used = ctx.conn.limitInfo.apiUsage!.used;
    await ctx.conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(ctx.conn.limitInfo.apiUsage!.used).toBe(used + 1);
  });

  it("past the daily limit: 403 REQUEST_LIMIT_EXCEEDED", async () => {
    ctx.emu.setApiLimit(10, 10);
    const e = await errorOf(ctx.conn.query("SELECT Id FROM Lead LIMIT 1"));
    expect(e.errorCode).toBe("REQUEST_LIMIT_EXCEEDED");
    expect(e.message).toBe("TotalRequests Limit exceeded.");
    const res = await raw(ctx.conn, "/limits");
    expect(res.status).toBe(403);
    expect(res.headers.get("sforce-limit-info")).toBe("api-usage=10/10");
    expect(await res.json()).toEqual([{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }]);
    // the counter is per day of the org clock
    ctx.emu.advanceClock(86_400);
    await ctx.conn.query("SELECT Id FROM Lead LIMIT 1");
    expect(ctx.conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 10 });
  });
});

describe("field-level security", () => {
  it("hidden fields are absent from describe, rejected in SOQL, read-only fields reject writes", async () => {
    const restricted = await soapLogin(ctx.emu, 1);
    const d = await restricted.describe("Lead");
    const names = d.fields.map((f) => f.name);
    expect(names).not.toContain("Secret__c");
    expect(names).toContain("Email");
    expect(d.fields.find((f) => f.name === "Score__c")).toMatchObject({ createable: false, updateable: false });
    const e = await errorOf(restricted.query("SELECT Id, Secret__c FROM Lead"));
    expect(e.errorCode).toBe("INVALID_FIELD");
    expect(e.message).toBe(
      "\nSELECT Id, Secret__c FROM Lead\n           ^\nERROR at Row:1:Column:12\nNo such column 'Secret__c' on entity 'Lead'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.",
    );
    const ok = await ctx.conn.query("SELECT Id, Secret__c FROM Lead LIMIT 1");
    expect(ok.records[0]).toHaveProperty("Secret__c");
    const lead = ok.records[0]!.Id as string;
    const w = await errorOf(restricted.sobject("Lead").update({ Id: lead, Score__c: 5 }));
    expect(w.errorCode).toBe("INVALID_FIELD_FOR_INSERT_UPDATE");
    const rec = await restricted.sobject("Lead").retrieve(lead);
    expect(rec).not.toHaveProperty("Secret__c");
  });
});

describe("versions", () => {
  it("serves any API version from 31.0 and lists versions", async () => {
    const res = await fetch(`${ctx.emu.url}/services/data`);
    const list = (await res.json()) as { version: string; label: string }[];
    expect(list.find((v) => v.version === "50.0")?.label).toBe("Winter '21");
    const old = await soapLogin(ctx.emu, 0, "45.0");
    expect((await old.query("SELECT count() FROM Campaign")).totalSize).toBe(10);
    const retired = await fetch(`${ctx.emu.url}/services/data/v30.0/sobjects`, { headers: { Authorization: `Bearer ${ctx.conn.accessToken}` } });
    expect(retired.status).toBe(410);
    expect(VERSION).toBe("62.0");
  });
});
