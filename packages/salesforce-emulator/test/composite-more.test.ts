import { describe, expect, it } from "vitest";
import { errorOf, useEmulator, VERSION } from "./helpers";

const ctx = useEmulator();

const P = `/services/data/v${VERSION}`;
const used = () => ctx.emu.state().apiUsage.used;

describe("/composite/batch", () => {
  it("runs independent subrequests, each counted as an API call", async () => {
    const before = used();
    const res = await ctx.conn.requestPost<{ hasErrors: boolean; results: { statusCode: number; result: unknown }[] }>(`${P}/composite/batch`, {
      batchRequests: [
        { method: "GET", url: `v${VERSION}/query?q=SELECT+COUNT()+FROM+Lead` },
        { method: "POST", url: `v${VERSION}/sobjects/Account`, richInput: { Name: "Batch Co" } },
        { method: "GET", url: `v${VERSION}/sobjects/Account/001000000000000AAA` },
        { method: "GET", url: `v${VERSION}/limits` },
      ],
    });
    expect(used()).toBe(before + 4);
    expect(res.hasErrors).toBe(true);
    expect(res.results.map((r) => r.statusCode)).toEqual([200, 201, 404, 200]);
    expect(res.results[0]!.result).toMatchObject({ totalSize: 5_000 });
    expect((await ctx.conn.query("SELECT COUNT() FROM Account WHERE Name = 'Batch Co'")).totalSize).toBe(1);
  });

  it("haltOnError answers 412 BATCH_PROCESSING_HALTED after the first failure", async () => {
    const res = await ctx.conn.requestPost<{ results: { statusCode: number; result: unknown }[] }>(`${P}/composite/batch`, {
      haltOnError: true,
      batchRequests: [
        { method: "PATCH", url: `v${VERSION}/sobjects/Account/001000000000000AAA`, richInput: { Name: "x" } },
        { method: "POST", url: `v${VERSION}/sobjects/Account`, richInput: { Name: "Never" } },
      ],
    });
    expect(res.results.map((r) => r.statusCode)).toEqual([404, 412]);
    expect(res.results[1]!.result).toEqual([{ errorCode: "BATCH_PROCESSING_HALTED", message: "Batch processing halted per request" }]);
    expect((await ctx.conn.query("SELECT COUNT() FROM Account WHERE Name = 'Never'")).totalSize).toBe(0);
  });
});

describe("/composite/tree", () => {
  it("creates parents with nested children, linking them, as one call", async () => {
    const before = used();
    const res = await ctx.conn.requestPost<{ hasErrors: boolean; results: { referenceId: string; id: string }[] }>(`${P}/composite/tree/Account`, {
      records: [
        {
          attributes: { type: "Account", referenceId: "acc1" },
          Name: "Tree One",
          Contacts: {
            records: [
              { attributes: { type: "Contact", referenceId: "c1" }, LastName: "Leaf" },
              { attributes: { type: "Contact", referenceId: "c2" }, LastName: "Twig" },
            ],
          },
        },
        { attributes: { type: "Account", referenceId: "acc2" }, Name: "Tree Two" },
      ],
    });
    expect(used()).toBe(before + 1);
    expect(res.hasErrors).toBe(false);
    expect(res.results.map((r) => r.referenceId)).toEqual(["acc1", "c1", "c2", "acc2"]);
    const acc1 = res.results[0]!.id;
    const kids = await ctx.conn.query<{ LastName: string }>(`SELECT LastName FROM Contact WHERE AccountId = '${acc1}' ORDER BY LastName`);
    expect(kids.records.map((k) => k.LastName)).toEqual(["Leaf", "Twig"]);
  });

  it("one bad record fails the whole tree with its referenceId and creates nothing", async () => {
    const e = await errorOf(
      ctx.conn.requestPost(`${P}/composite/tree/Account`, {
        records: [
          {
            attributes: { type: "Account", referenceId: "good" },
            Name: "Half Tree",
            Contacts: { records: [{ attributes: { type: "Contact", referenceId: "bad" }, FirstName: "No last name" }] },
          },
        ],
      }),
    );
    expect(e.errorCode).toBe("ERROR_HTTP_400");
    const res = await fetch(`${ctx.conn.instanceUrl}${P}/composite/tree/Account`, {
      method: "POST",
      headers: { Authorization: `Bearer ${ctx.conn.accessToken}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        records: [
          {
            attributes: { type: "Account", referenceId: "good" },
            Name: "Half Tree",
            Contacts: { records: [{ attributes: { type: "Contact", referenceId: "bad" }, FirstName: "x" }] },
          },
        ],
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      hasErrors: true,
      results: [
        { referenceId: "bad", errors: [{ statusCode: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [LastName]", fields: ["LastName"] }] },
      ],
    });
    expect((await ctx.conn.query("SELECT COUNT() FROM Account WHERE Name = 'Half Tree'")).totalSize).toBe(0);
  });
});

describe("SOSL /search", () => {
  it("FIND … IN ALL FIELDS RETURNING finds records by any text field", async () => {
    await ctx.conn.sobject("Account").create({ Name: "Zyxwv Robotics", Phone: "555 0101" });
    await ctx.conn.sobject("Contact").create({ LastName: "Quux", Email: "quux@zyxwv.example.com" });
    await ctx.conn.sobject("Lead").create({ LastName: "Other", Company: "Nothing Here" });
    const res = await ctx.conn.search("FIND {zyxwv} IN ALL FIELDS RETURNING Account(Id, Name), Contact(Id, LastName, Email), Lead(Id)");
    const found = res.searchRecords.map((r) => [r.attributes!.type, (r as { Name?: string; LastName?: string }).Name ?? (r as { LastName?: string }).LastName]);
    expect(found).toEqual([
      ["Account", "Zyxwv Robotics"],
      ["Contact", "Quux"],
    ]);
  });

  it("IN NAME FIELDS, wildcards, WHERE and LIMIT inside RETURNING", async () => {
    await ctx.conn.sobject("Contact").create({ LastName: "Plughson", Email: "plugh@example.com" });
    await ctx.conn.sobject("Contact").create({ LastName: "Plughby", Title: "CTO" });
    await ctx.conn.sobject("Contact").create({ LastName: "Someone", Email: "plugh.other@example.com" });
    const names = await ctx.conn.search("FIND {plugh*} IN NAME FIELDS RETURNING Contact(LastName ORDER BY LastName)");
    expect(names.searchRecords.map((r) => (r as { LastName: string }).LastName)).toEqual(["Plughby", "Plughson"]);
    const all = await ctx.conn.search("FIND {plugh*} RETURNING Contact(LastName WHERE Title = 'CTO')");
    expect(all.searchRecords.map((r) => (r as { LastName: string }).LastName)).toEqual(["Plughby"]);
    const limited = await ctx.conn.search("FIND {plugh*} RETURNING Contact(Id) LIMIT 1");
    expect(limited.searchRecords).toHaveLength(1);
    expect((await errorOf(ctx.conn.search("FIND {x}"))).errorCode).toBe("MALFORMED_SEARCH");
  });
});
