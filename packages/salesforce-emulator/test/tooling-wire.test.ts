import type { Connection } from "jsforce";
import { describe, expect, it } from "vitest";
import { useEmulator, VERSION } from "./helpers";

const ctx = useEmulator();

describe("what the Salesforce CLI relies on", () => {
  it("answers //services/… like /services/… (an instance URL stored with a trailing slash)", async () => {
    const res = await fetch(`${ctx.emu.url}//services/data/v${VERSION}/query?q=${encodeURIComponent("SELECT COUNT() FROM Lead")}`, {
      headers: { Authorization: `Bearer ${ctx.conn.accessToken}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalSize: 5_000 });
    const trailing = new (ctx.conn.constructor as typeof Connection)({ instanceUrl: `${ctx.emu.url}/`, accessToken: ctx.conn.accessToken!, version: VERSION });
    expect((await trailing.query("SELECT Id FROM Account LIMIT 2")).records).toHaveLength(2);
  });

  it("query with columns=true describes the columns without running the query", async () => {
    const before = ctx.emu.state().apiUsage.used;
    const res = await ctx.conn.request<{
      columnMetadata: Record<string, unknown>[];
      entityName: string;
      idSelected: boolean;
      keyPrefix: string;
      groupBy: boolean;
    }>(`/query?q=${encodeURIComponent("SELECT Id, Name, Owner.Name, NumberOfEmployees, (SELECT LastName FROM Contacts) FROM Account")}&columns=true`);
    expect(ctx.emu.state().apiUsage.used).toBe(before + 1);
    expect(res).toMatchObject({ entityName: "Account", idSelected: true, keyPrefix: "001", groupBy: false });
    expect(res).not.toHaveProperty("records");
    expect(res.columnMetadata.map((c) => [c.columnName, c.displayName, c.aggregate])).toEqual([
      ["Id", "Id", false],
      ["Name", "Name", false],
      ["Owner", "Owner", false],
      ["NumberOfEmployees", "NumberOfEmployees", false],
      ["Contacts", "Contacts", true],
    ]);
    expect(res.columnMetadata[2]!.joinColumns).toMatchObject([{ columnName: "Name", displayName: "Owner.Name", apexType: "String", textType: true }]);
    expect(res.columnMetadata[3]).toMatchObject({ apexType: "Integer", numberType: true, insertable: true, updatable: true });
    expect(res.columnMetadata[4]!.joinColumns).toMatchObject([{ columnName: "LastName" }]);
    const agg = await ctx.conn.request<{ columnMetadata: Record<string, unknown>[]; groupBy: boolean }>(
      `/query?q=${encodeURIComponent("SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry")}&columns=true`,
    );
    expect(agg.groupBy).toBe(true);
    expect(agg.columnMetadata.map((c) => [c.columnName, c.displayName, c.aggregate])).toEqual([
      ["Industry", "Industry", false],
      ["n", "COUNT(Id)", true],
    ]);
  });

  it("/limits/recordCount counts live records per object, all or the ones asked for", async () => {
    const all = await ctx.conn.request<{ sObjects: { name: string; count: number }[] }>("/limits/recordCount");
    const byName = Object.fromEntries(all.sObjects.map((s) => [s.name, s.count]));
    expect(byName).toMatchObject({ Account: 300, Lead: 5_000, Campaign: 10, Organization: 1 });
    const lead = await ctx.conn.sobject("Lead").findOne({}, ["Id"]);
    await ctx.conn.sobject("Lead").destroy(lead!.Id!);
    await ctx.conn.sobject("Lead").create({ LastName: "A", Company: "B" });
    await ctx.conn.sobject("Lead").create({ LastName: "C", Company: "D" });
    const some = await ctx.conn.request<{ sObjects: { name: string; count: number }[] }>("/limits/recordCount?sObjects=Lead,Account");
    expect(some.sObjects).toEqual([
      { count: 5_001, name: "Lead" },
      { count: 300, name: "Account" },
    ]);
  });
});
