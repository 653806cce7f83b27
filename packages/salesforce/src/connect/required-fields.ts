import type { SyncObject } from "../objects";

const base = ["Id", "SystemModstamp"] as const;
const deletable = [...base, "IsDeleted"] as const;

/**
 * Fields the sync cannot work without: change tracking (SystemModstamp), deletes (IsDeleted),
 * merges (MasterRecordId), lead conversion (IsConverted, Converted*Id), ownership and the
 * relationships that tie People, Companies and Opportunities together.
 */
export const REQUIRED_FIELDS: Record<SyncObject, readonly string[]> = {
  User: [...base, "Username", "IsActive"],
  Account: [...deletable, "MasterRecordId", "OwnerId", "Name"],
  Contact: [...deletable, "MasterRecordId", "OwnerId", "AccountId", "Email"],
  Lead: [...deletable, "MasterRecordId", "OwnerId", "IsConverted", "ConvertedContactId", "ConvertedAccountId", "Email"],
  Opportunity: [...deletable, "OwnerId", "AccountId"],
  OpportunityContactRole: [...deletable, "OpportunityId", "ContactId"],
  Campaign: [...deletable, "OwnerId"],
  CampaignMember: [...deletable, "CampaignId", "LeadId", "ContactId"],
};
