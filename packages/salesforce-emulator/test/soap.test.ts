import { describe, expect, it } from "vitest";
import { errorOf, useEmulator } from "./helpers";

const ctx = useEmulator();

describe("SOAP partner API calls jsforce exposes as conn.soap", () => {
  it("convertLead converts and reports per-lead errors", async () => {
    const [a, b] = (await ctx.conn.query("SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 2")).records.map((r) => r.Id as string);
    const results = await ctx.conn.soap.convertLead([
      { leadId: a!, convertedStatus: "Closed - Converted", doNotCreateOpportunity: true },
      { leadId: "bogus", convertedStatus: "Closed - Converted" },
    ]);
    expect(results[0]).toMatchObject({ leadId: a, success: true, opportunityId: null });
    expect(results[0]!.accountId).toMatch(/^001/);
    expect(results[0]!.contactId).toMatch(/^003/);
    expect(results[1]).toMatchObject({ success: false });
    const lead = await ctx.conn.sobject("Lead").retrieve(a!);
    expect(lead).toMatchObject({
      IsConverted: true,
      ConvertedAccountId: results[0]!.accountId,
      ConvertedContactId: results[0]!.contactId,
      ConvertedOpportunityId: null,
    });
    const single = await ctx.conn.soap.convertLead({ leadId: b!, convertedStatus: "Closed - Converted" });
    expect(single.opportunityId).toMatch(/^006/);
  });

  it("merge soft-deletes the losers and re-parents their children", async () => {
    const [winner, loser] = (await ctx.conn.query("SELECT Id FROM Account ORDER BY Id LIMIT 2")).records.map((r) => r.Id as string);
    const child = ctx.emu.createRecord("Contact", { LastName: "Moved", AccountId: loser });
    const res = await ctx.conn.soap.merge({ masterRecord: { type: "Account", Id: winner!, Description: "merged" } as never, recordToMergeIds: [loser!] });
    expect(res).toMatchObject({ id: winner, success: true, mergedRecordIds: [loser] });
    expect(res.updatedRelatedIds).toContain(child);
    expect((await ctx.conn.sobject("Account").retrieve(winner!)).Description).toBe("merged");
    const all = await ctx.conn.query(`SELECT Id, IsDeleted, MasterRecordId FROM Account WHERE Id = '${loser}'`, { scanAll: true } as never);
    expect(all.records[0]).toMatchObject({ IsDeleted: true, MasterRecordId: winner });
  });

  it("undelete restores from the recycle bin", async () => {
    const id = (await ctx.conn.query("SELECT Id FROM Contact ORDER BY Id LIMIT 1")).records[0]!.Id as string;
    await ctx.conn.sobject("Contact").destroy(id);
    const res = await ctx.conn.soap.undelete([id, "003HE000000ZZZZZZZ"]);
    expect(res.map((r) => r.success)).toEqual([true, false]);
    expect((await ctx.conn.sobject("Contact").retrieve(id)).IsDeleted).toBe(false);
  });

  it("an expired session gives the INVALID_SESSION_ID fault, and jsforce re-logs in and retries", async () => {
    const before = ctx.conn.accessToken;
    ctx.emu.expireSessions();
    const info = await ctx.conn.soap.getUserInfo();
    expect(info.userName).toBe(ctx.emu.users[0]!.username);
    expect(ctx.conn.accessToken).not.toBe(before);
    const ts = await ctx.conn.soap.getServerTimestamp();
    expect(ts.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("calls the emulator does not implement fail with a SOAP fault", async () => {
    const e = await errorOf(ctx.conn.soap.emptyRecycleBin(["001HE0000000001AAA"]));
    expect(e.message).toContain("INVALID_OPERATION");
  });
});
