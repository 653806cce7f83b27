import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers";

const ctx = useEmulator();

interface Family {
  accountId: string;
  contactIds: string[];
  opportunityIds: string[];
}

/** A generated Account with both Contacts and Opportunities, read through the API. */
async function family(): Promise<Family> {
  const res = await ctx.conn.query<{ Id: string; Contacts: { records: { Id: string }[] } | null; Opportunities: { records: { Id: string }[] } | null }>(
    "SELECT Id, (SELECT Id FROM Contacts), (SELECT Id FROM Opportunities) FROM Account ORDER BY Id LIMIT 200",
  );
  const a = res.records.find((r) => r.Contacts && r.Opportunities)!;
  return { accountId: a.Id, contactIds: a.Contacts!.records.map((c) => c.Id), opportunityIds: a.Opportunities!.records.map((o) => o.Id) };
}

describe("cascade deletes", () => {
  it("deleting an Account deletes its Contacts and Opportunities (and their contact roles) and clears child accounts", async () => {
    const f = await family();
    const child = (await ctx.conn.sobject("Account").create({ Name: "Subsidiary", ParentId: f.accountId })) as { id: string };
    const role = (await ctx.conn.sobject("OpportunityContactRole").create({ OpportunityId: f.opportunityIds[0], ContactId: f.contactIds[0] })) as {
      id: string;
    };
    const since = new Date(Date.parse(ctx.emu.now().replace("+0000", "Z")) - 60_000).toISOString();
    ctx.emu.advanceClock(5);
    await ctx.conn.sobject("Account").destroy(f.accountId);

    expect((await ctx.conn.query(`SELECT COUNT() FROM Contact WHERE AccountId = '${f.accountId}'`)).totalSize).toBe(0);
    expect((await ctx.conn.query(`SELECT COUNT() FROM Opportunity WHERE AccountId = '${f.accountId}'`)).totalSize).toBe(0);
    expect((await ctx.conn.query(`SELECT COUNT() FROM OpportunityContactRole WHERE Id = '${role.id}'`)).totalSize).toBe(0);
    const bin = await ctx.conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Contact WHERE AccountId = '${f.accountId}'`, {
      scanAll: true,
    } as never);
    expect(bin.records.map((r) => r.Id).sort()).toEqual([...f.contactIds].sort());
    expect(bin.records.every((r) => r.IsDeleted)).toBe(true);

    const until = new Date(Date.parse(ctx.emu.now().replace("+0000", "Z")) + 3_600_000).toISOString();
    const deletedContacts = await ctx.conn.sobject("Contact").deleted(since, until);
    expect(deletedContacts.deletedRecords.map((d) => d.id).sort()).toEqual([...f.contactIds].sort());
    const deletedOpps = await ctx.conn.sobject("Opportunity").deleted(since, until);
    expect(deletedOpps.deletedRecords.map((d) => d.id).sort()).toEqual([...f.opportunityIds].sort());

    const sub = await ctx.conn.sobject("Account").retrieve(child.id);
    expect(sub.ParentId).toBeNull();
    const updated = await ctx.conn.sobject("Account").updated(since, until);
    expect(updated.ids).toContain(child.id);
  });

  it("undeleting the Account brings back what its deletion took with it", async () => {
    const f = await family();
    await ctx.conn.sobject("Account").destroy(f.accountId);
    ctx.emu.undeleteRecord(f.accountId);
    const back = await ctx.conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE AccountId = '${f.accountId}'`);
    expect(back.records.map((r) => r.Id).sort()).toEqual([...f.contactIds].sort());
    expect((await ctx.conn.query(`SELECT COUNT() FROM Opportunity WHERE AccountId = '${f.accountId}'`)).totalSize).toBe(f.opportunityIds.length);
  });

  it("a Contact deleted before its Account stays deleted when the Account is undeleted", async () => {
    const f = await family();
    await ctx.conn.sobject("Contact").destroy(f.contactIds[0]!);
    await ctx.conn.sobject("Account").destroy(f.accountId);
    ctx.emu.undeleteRecord(f.accountId);
    const back = await ctx.conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE AccountId = '${f.accountId}'`);
    expect(back.records.map((r) => r.Id)).not.toContain(f.contactIds[0]);
    expect(back.records).toHaveLength(f.contactIds.length - 1);
  });

  it("deleting a Lead deletes its campaign memberships; a Campaign its members", async () => {
    const m = await ctx.conn.query<{ Id: string; LeadId: string; CampaignId: string }>(
      "SELECT Id, LeadId, CampaignId FROM CampaignMember WHERE LeadId != null LIMIT 1",
    );
    const member = m.records[0]!;
    await ctx.conn.sobject("Lead").destroy(member.LeadId);
    expect((await ctx.conn.query(`SELECT COUNT() FROM CampaignMember WHERE Id = '${member.Id}'`)).totalSize).toBe(0);
    const before = (await ctx.conn.query(`SELECT COUNT() FROM CampaignMember WHERE CampaignId = '${member.CampaignId}'`)).totalSize;
    expect(before).toBeGreaterThan(0);
    await ctx.conn.sobject("Campaign").destroy(member.CampaignId);
    expect((await ctx.conn.query(`SELECT COUNT() FROM CampaignMember WHERE CampaignId = '${member.CampaignId}'`)).totalSize).toBe(0);
  });

  it("describe marks the cascading relationships", async () => {
    const d = await ctx.conn.describe("Account");
    const rel = (name: string) => d.childRelationships.find((c) => c.relationshipName === name);
    expect(rel("Contacts")).toMatchObject({ childSObject: "Contact", field: "AccountId", cascadeDelete: true });
    expect(rel("ChildAccounts")).toMatchObject({ childSObject: "Account", field: "ParentId", cascadeDelete: false });
  });
});
