import { describe, expect, it } from "vitest";
import { errorOf, useEmulator, VERSION } from "./helpers";

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const ctx = useEmulator();

const P = `/services/data/v${VERSION}`;
const composite = (body: object) => ctx.conn.requestPost<{ compositeResponse: SubResponse[] }>(`${P}/composite`, body);
const used = () => ctx.emu.state().apiUsage.used;

describe("/composite", () => {
  it("runs subrequests in order with @{ref} values in bodies and urls, as one API call", async () => {
    const before = used();
    const res = await composite({
      compositeRequest: [
        { method: "POST", url: `${P}/sobjects/Account`, referenceId: "refAccount", body: { Name: "Composite Co" } },
        { method: "POST", url: `${P}/sobjects/Contact`, referenceId: "refContact", body: { LastName: "Ref", AccountId: "@{refAccount.id}" } },
        { method: "GET", url: `${P}/sobjects/Contact/@{refContact.id}?fields=LastName,AccountId`, referenceId: "readBack" },
        { method: "GET", url: `${P}/query?q=SELECT+Id,Name+FROM+Account+WHERE+Id='@{refAccount.id}'`, referenceId: "q" },
      ],
    });
    expect(used()).toBe(before + 1);
    expect(ctx.conn.limitInfo.apiUsage?.used).toBe(before + 1);
    const [acc, con, readBack, q] = res.compositeResponse;
    expect(acc).toMatchObject({ httpStatusCode: 201, referenceId: "refAccount", body: { success: true, errors: [] } });
    const accountId = (acc!.body as { id: string }).id;
    expect(accountId).toMatch(/^001\w{15}$/);
    expect(acc!.httpHeaders.Location).toBe(`${P}/sobjects/Account/${accountId}`);
    expect(con!.httpStatusCode).toBe(201);
    expect(readBack).toMatchObject({ httpStatusCode: 200, body: { LastName: "Ref", AccountId: accountId } });
    expect(q).toMatchObject({ httpStatusCode: 200, body: { totalSize: 1, done: true, records: [{ Id: accountId, Name: "Composite Co" }] } });
    const stored = await ctx.conn.sobject("Contact").retrieve((con!.body as { id: string }).id);
    expect(stored.AccountId).toBe(accountId);
  });

  it("answers five COUNT() queries of different objects in one call", async () => {
    const objects = ["Account", "Contact", "Lead", "Opportunity", "Campaign"];
    const before = used();
    const res = await composite({
      allOrNone: false,
      collateSubrequests: false,
      compositeRequest: objects.map((o) => ({
        method: "GET",
        url: `${P}/query?q=${encodeURIComponent(`SELECT COUNT() FROM ${o}`)}`,
        referenceId: `count${o}`,
      })),
    });
    expect(used()).toBe(before + 1);
    expect(res.compositeResponse.map((r) => [r.referenceId, r.httpStatusCode, (r.body as { totalSize: number }).totalSize])).toEqual([
      ["countAccount", 200, 300],
      ["countContact", 200, 600],
      ["countLead", 200, 5_000],
      ["countOpportunity", 200, 200],
      ["countCampaign", 200, 10],
    ]);
  });

  it("a change query subrequest sees a write made just before", async () => {
    const since = ctx.emu.now();
    ctx.emu.advanceClock(5);
    const id = await ctx.conn.sobject("Lead").create({ LastName: "Fresh", Company: "New Co" });
    const res = await composite({
      compositeRequest: [
        {
          method: "GET",
          url: `${P}/query?q=${encodeURIComponent(`SELECT Id, LastName FROM Lead WHERE SystemModstamp > ${since.replace(".000+0000", "Z")} ORDER BY SystemModstamp, Id`)}`,
          referenceId: "leads",
        },
        { method: "GET", url: `${P}/queryAll?q=${encodeURIComponent("SELECT COUNT() FROM Lead WHERE IsDeleted = true")}`, referenceId: "deleted" },
      ],
    });
    expect(res.compositeResponse[0]!.body).toMatchObject({ totalSize: 1, records: [{ Id: (id as { id: string }).id, LastName: "Fresh" }] });
    expect(res.compositeResponse[1]!.body).toMatchObject({ totalSize: 0 });
  });

  it("allOrNone: one failure rolls back every write and halts the others", async () => {
    const res = await composite({
      allOrNone: true,
      compositeRequest: [
        { method: "POST", url: `${P}/sobjects/Account`, referenceId: "ok", body: { Name: "Rolled Back Co" } },
        { method: "POST", url: `${P}/sobjects/Contact`, referenceId: "bad", body: { FirstName: "No last name" } },
        { method: "GET", url: `${P}/query?q=SELECT+Id+FROM+Account+LIMIT+1`, referenceId: "after" },
      ],
    });
    const [ok, bad, after] = res.compositeResponse;
    expect(bad).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: "REQUIRED_FIELD_MISSING" }] });
    for (const r of [ok, after]) {
      expect(r).toMatchObject({
        httpStatusCode: 400,
        body: [{ errorCode: "PROCESSING_HALTED", message: "The transaction was rolled back since another operation in the same transaction failed." }],
      });
    }
    const left = await ctx.conn.query("SELECT COUNT() FROM Account WHERE Name = 'Rolled Back Co'");
    expect(left.totalSize).toBe(0);
  });

  it("without allOrNone only subrequests that reference a failed one fail", async () => {
    const res = await composite({
      compositeRequest: [
        { method: "POST", url: `${P}/sobjects/Account`, referenceId: "bad", body: { Name: null } },
        { method: "POST", url: `${P}/sobjects/Contact`, referenceId: "child", body: { LastName: "Orphan", AccountId: "@{bad.id}" } },
        { method: "POST", url: `${P}/sobjects/Account`, referenceId: "good", body: { Name: "Kept Co" } },
      ],
    });
    const [bad, child, good] = res.compositeResponse;
    expect(bad!.httpStatusCode).toBe(400);
    expect(child).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: "PROCESSING_HALTED" }] });
    expect((child!.body as { message: string }[])[0]!.message).toContain("bad.id");
    expect(good!.httpStatusCode).toBe(201);
    expect((await ctx.conn.query("SELECT COUNT() FROM Account WHERE Name = 'Kept Co'")).totalSize).toBe(1);
  });

  it("sObject Collections inside composite follow the outer allOrNone", async () => {
    const res = await composite({
      allOrNone: true,
      compositeRequest: [
        {
          method: "POST",
          url: `${P}/composite/sobjects`,
          referenceId: "coll",
          body: { allOrNone: false, records: [{ attributes: { type: "Account" }, Name: "Coll A" }] },
        },
        { method: "PATCH", url: `${P}/sobjects/Account/@{coll[0].id}`, referenceId: "upd", body: { Name: "Coll A2" } },
        { method: "DELETE", url: `${P}/sobjects/Account/001000000000000AAA`, referenceId: "missing" },
      ],
    });
    expect(res.compositeResponse[2]!.httpStatusCode).toBe(404);
    expect(res.compositeResponse[0]!.body).toMatchObject([{ errorCode: "PROCESSING_HALTED" }]);
    expect((await ctx.conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Coll A%'")).totalSize).toBe(0);
  });

  it("rejects more than 25 subrequests or more than 5 queries, counting the call", async () => {
    const q = (k: number) => ({ method: "GET", url: `${P}/query?q=SELECT+Id+FROM+Lead+LIMIT+1`, referenceId: `q${k}` });
    const six = await errorOf(composite({ compositeRequest: [0, 1, 2, 3, 4, 5].map(q) }));
    expect(six.errorCode).toBe("LIMIT_EXCEEDED");
    const many = Array.from({ length: 26 }, (_, k) => ({ method: "GET", url: `${P}/sobjects/Lead/describe`, referenceId: `d${k}` }));
    expect((await errorOf(composite({ compositeRequest: many }))).errorCode).toBe("LIMIT_EXCEEDED");
    const other = await errorOf(composite({ compositeRequest: [{ method: "GET", url: `${P}/limits`, referenceId: "l" }] }));
    expect(other.errorCode).toBe("INVALID_INPUT");
  });

  it("a fault rule for queries hits a query subrequest, not the whole call", async () => {
    ctx.emu.setFaults({ rules: [{ endpoint: "query", kind: "server-error", times: 1 }] });
    const res = await composite({
      compositeRequest: [
        { method: "GET", url: `${P}/query?q=SELECT+Id+FROM+Lead+LIMIT+1`, referenceId: "q1" },
        { method: "GET", url: `${P}/query?q=SELECT+Id+FROM+Lead+LIMIT+1`, referenceId: "q2" },
      ],
    });
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([500, 200]);
    expect(res.compositeResponse[0]!.body).toMatchObject([{ errorCode: "UNKNOWN_EXCEPTION" }]);
  });
});
