import type { Connection } from 'jsforce';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../src/index';
import { soapLogin, start } from './helpers';

let emu: EmulatorHandle;
let conn: Connection;
beforeAll(async () => {
  emu = await start();
});
beforeEach(async () => {
  emu.reset();
  conn = await soapLogin(emu);
});
afterAll(() => emu.stop());

interface Family {
  accountId: string;
  contactIds: string[];
  opportunityIds: string[];
}

/** A generated Account with both Contacts and Opportunities, read through the API. */
async function family(): Promise<Family> {
  const res = await conn.query<{ Id: string; Contacts: { records: { Id: string }[] } | null; Opportunities: { records: { Id: string }[] } | null }>(
    'SELECT Id, (SELECT Id FROM Contacts), (SELECT Id FROM Opportunities) FROM Account ORDER BY Id LIMIT 200',
  );
  const a = res.records.find((r) => r.Contacts && r.Opportunities)!;
  return { accountId: a.Id, contactIds: a.Contacts!.records.map((c) => c.Id), opportunityIds: a.Opportunities!.records.map((o) => o.Id) };
}

describe('cascade deletes', () => {
  it('deleting an Account deletes its Contacts and Opportunities (and their contact roles) and clears child accounts', async () => {
    const f = await family();
    const child = (await conn.sobject('Account').create({ Name: 'Subsidiary', ParentId: f.accountId })) as { id: string };
    const role = (await conn.sobject('OpportunityContactRole').create({ OpportunityId: f.opportunityIds[0], ContactId: f.contactIds[0] })) as { id: string };
    const since = new Date(Date.parse(emu.now().replace('+0000', 'Z')) - 60_000).toISOString();
    emu.advanceClock(5);
    await conn.sobject('Account').destroy(f.accountId);

    expect((await conn.query(`SELECT COUNT() FROM Contact WHERE AccountId = '${f.accountId}'`)).totalSize).toBe(0);
    expect((await conn.query(`SELECT COUNT() FROM Opportunity WHERE AccountId = '${f.accountId}'`)).totalSize).toBe(0);
    expect((await conn.query(`SELECT COUNT() FROM OpportunityContactRole WHERE Id = '${role.id}'`)).totalSize).toBe(0);
    const bin = await conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Contact WHERE AccountId = '${f.accountId}'`, { scanAll: true } as never);
    expect(bin.records.map((r) => r.Id).sort()).toEqual([...f.contactIds].sort());
    expect(bin.records.every((r) => r.IsDeleted)).toBe(true);

    const until = new Date(Date.parse(emu.now().replace('+0000', 'Z')) + 3_600_000).toISOString();
    const deletedContacts = await conn.sobject('Contact').deleted(since, until);
    expect(deletedContacts.deletedRecords.map((d) => d.id).sort()).toEqual([...f.contactIds].sort());
    const deletedOpps = await conn.sobject('Opportunity').deleted(since, until);
    expect(deletedOpps.deletedRecords.map((d) => d.id).sort()).toEqual([...f.opportunityIds].sort());

    const sub = await conn.sobject('Account').retrieve(child.id);
    expect(sub.ParentId).toBeNull();
    const updated = await conn.sobject('Account').updated(since, until);
    expect(updated.ids).toContain(child.id);
  });

  it('undeleting the Account brings back what its deletion took with it', async () => {
    const f = await family();
    await conn.sobject('Account').destroy(f.accountId);
    emu.undeleteRecord(f.accountId);
    const back = await conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE AccountId = '${f.accountId}'`);
    expect(back.records.map((r) => r.Id).sort()).toEqual([...f.contactIds].sort());
    expect((await conn.query(`SELECT COUNT() FROM Opportunity WHERE AccountId = '${f.accountId}'`)).totalSize).toBe(f.opportunityIds.length);
  });

  it('a Contact deleted before its Account stays deleted when the Account is undeleted', async () => {
    const f = await family();
    await conn.sobject('Contact').destroy(f.contactIds[0]!);
    await conn.sobject('Account').destroy(f.accountId);
    emu.undeleteRecord(f.accountId);
    const back = await conn.query<{ Id: string }>(`SELECT Id FROM Contact WHERE AccountId = '${f.accountId}'`);
    expect(back.records.map((r) => r.Id)).not.toContain(f.contactIds[0]);
    expect(back.records).toHaveLength(f.contactIds.length - 1);
  });

  it('deleting a Lead deletes its campaign memberships; a Campaign its members', async () => {
    const m = await conn.query<{ Id: string; LeadId: string; CampaignId: string }>('SELECT Id, LeadId, CampaignId FROM CampaignMember WHERE LeadId != null LIMIT 1');
    const member = m.records[0]!;
    await conn.sobject('Lead').destroy(member.LeadId);
    expect((await conn.query(`SELECT COUNT() FROM CampaignMember WHERE Id = '${member.Id}'`)).totalSize).toBe(0);
    const before = (await conn.query(`SELECT COUNT() FROM CampaignMember WHERE CampaignId = '${member.CampaignId}'`)).totalSize;
    expect(before).toBeGreaterThan(0);
    await conn.sobject('Campaign').destroy(member.CampaignId);
    expect((await conn.query(`SELECT COUNT() FROM CampaignMember WHERE CampaignId = '${member.CampaignId}'`)).totalSize).toBe(0);
  });

  it('describe marks the cascading relationships', async () => {
    const d = await conn.describe('Account');
    const rel = (name: string) => d.childRelationships.find((c) => c.relationshipName === name);
    expect(rel('Contacts')).toMatchObject({ childSObject: 'Contact', field: 'AccountId', cascadeDelete: true });
    expect(rel('ChildAccounts')).toMatchObject({ childSObject: 'Account', field: 'ParentId', cascadeDelete: false });
  });
});
