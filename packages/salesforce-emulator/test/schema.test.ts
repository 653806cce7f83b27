import { describe, expect, it } from "vitest";
import { errorOf, useEmulator, VERSION } from "./helpers";

const ctx = useEmulator();

describe("standard schema", () => {
  it("addresses come as components plus a read-only compound field", async () => {
    const d = await ctx.conn.describe("Account");
    const f = (n: string) => d.fields.find((x) => x.name === n)!;
    expect(f("BillingAddress")).toMatchObject({
      type: "address",
      soapType: "urn:address",
      createable: false,
      updateable: false,
      filterable: false,
      sortable: false,
    });
    for (const n of [
      "ShippingStreet",
      "ShippingCity",
      "ShippingState",
      "ShippingPostalCode",
      "ShippingCountry",
      "ShippingLatitude",
      "ShippingLongitude",
      "ShippingGeocodeAccuracy",
    ]) {
      expect(f(n).compoundFieldName).toBe("ShippingAddress");
    }
    expect(f("RecordTypeId")).toMatchObject({ type: "reference", referenceTo: ["RecordType"] });
    expect(f("LastActivityDate")).toMatchObject({ type: "date", updateable: false });
    const contact = await ctx.conn.describe("Contact");
    expect(contact.fields.filter((x) => x.type === "address").map((x) => x.name)).toEqual(["OtherAddress", "MailingAddress"]);
    const lead = await ctx.conn.describe("Lead");
    expect(lead.fields.find((x) => x.name === "Address")).toMatchObject({ type: "address" });
    expect(lead.fields.find((x) => x.name === "Street")).toMatchObject({ compoundFieldName: "Address" });
  });

  it("the compound value follows its components through writes; it cannot be filtered, written or bulk-queried", async () => {
    const id = (
      (await ctx.conn
        .sobject("Account")
        .create({ Name: "Addr Co", BillingStreet: "1 Main St", BillingCity: "Lyon", BillingPostalCode: "69001", BillingCountry: "France" })) as { id: string }
    ).id;
    const rec = await ctx.conn.sobject("Account").retrieve(id);
    expect(rec.BillingAddress).toEqual({
      city: "Lyon",
      country: "France",
      geocodeAccuracy: null,
      latitude: null,
      longitude: null,
      postalCode: "69001",
      state: null,
      street: "1 Main St",
    });
    expect(rec.ShippingAddress).toBeNull();
    const q = await ctx.conn.query<{ BillingAddress: { city: string } }>(`SELECT BillingAddress FROM Account WHERE Id = '${id}'`);
    expect(q.records[0]!.BillingAddress.city).toBe("Lyon");
    expect((await errorOf(ctx.conn.query("SELECT Id FROM Account WHERE BillingAddress = null"))).errorCode).toBe("INVALID_FIELD");
    expect((await errorOf(ctx.conn.sobject("Account").update({ Id: id, BillingAddress: "x" } as never))).errorCode).toBe("INVALID_FIELD_FOR_INSERT_UPDATE");
    const bulk = await errorOf(
      ctx.conn.request({
        method: "POST",
        url: `/services/data/v${VERSION}/jobs/query`,
        body: JSON.stringify({ query: "SELECT Id, BillingAddress FROM Account", operation: "query" }),
        headers: { "Content-Type": "application/json" },
      }),
    );
    expect(bulk.message).toBe("Selecting compound data not supported in Bulk Query");
    const generated = await ctx.conn.query<{ BillingAddress: { city: string } | null; BillingCity: string }>(
      "SELECT BillingCity, BillingAddress FROM Account ORDER BY Id LIMIT 5",
    );
    for (const r of generated.records) expect(r.BillingAddress?.city).toBe(r.BillingCity);
  });

  it("Task, Event, Case and RecordType are there with their relationships", async () => {
    const rts = await ctx.conn.query<{ SobjectType: string; DeveloperName: string }>("SELECT SobjectType, DeveloperName FROM RecordType ORDER BY Id");
    expect(rts.records.map((r) => `${r.SobjectType}.${r.DeveloperName}`)).toEqual([
      "Account.Customer",
      "Account.Partner",
      "Opportunity.New_Business",
      "Opportunity.Renewal",
      "Case.Support",
      "Case.Billing",
    ]);
    const acc = await ctx.conn.query<{ RecordType: { DeveloperName: string } }>("SELECT RecordType.DeveloperName FROM Account LIMIT 20");
    expect(acc.records.every((r) => ["Customer", "Partner"].includes(r.RecordType.DeveloperName))).toBe(true);
    const info = (await ctx.conn.describe("Account")).recordTypeInfos.map((r) => (r as unknown as { developerName: string }).developerName);
    expect(info).toEqual(["Customer", "Partner", "Master"]);
    expect((await ctx.conn.query("SELECT COUNT() FROM Case")).totalSize).toBe(500);
    expect((await ctx.conn.query("SELECT COUNT() FROM Task")).totalSize).toBe(2_000);
    expect((await ctx.conn.query("SELECT COUNT() FROM Event")).totalSize).toBe(1_000);
    const c = (await ctx.conn.sobject("Case").create({ Subject: "Printer on fire" })) as { id: string };
    const created = await ctx.conn.sobject("Case").retrieve(c.id);
    expect(created).toMatchObject({ Status: "New", IsClosed: false });
    expect(created.CaseNumber).toMatch(/^\d{8}$/);
    const t = (await ctx.conn.sobject("Task").create({ Subject: "Call back" })) as { id: string };
    expect(await ctx.conn.sobject("Task").retrieve(t.id)).toMatchObject({ Status: "Not Started", Priority: "Normal", IsClosed: false });
  });

  it("deleting an Account takes its Cases and activities with it", async () => {
    const res = await ctx.conn.query<{ WhatId: string }>("SELECT WhatId FROM Task WHERE WhatId != null LIMIT 1");
    const accountId = res.records[0]!.WhatId;
    const tasks = (await ctx.conn.query(`SELECT COUNT() FROM Task WHERE WhatId = '${accountId}'`)).totalSize;
    expect(tasks).toBeGreaterThan(0);
    await ctx.conn.sobject("Account").destroy(accountId);
    expect((await ctx.conn.query(`SELECT COUNT() FROM Task WHERE WhatId = '${accountId}'`)).totalSize).toBe(0);
    expect((await ctx.conn.query(`SELECT COUNT() FROM Case WHERE AccountId = '${accountId}'`)).totalSize).toBe(0);
  });
});
