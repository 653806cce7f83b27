/** The objects Ferry syncs, in the order a sync reads them (parents before children). */
export const SYNC_OBJECTS = ["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember"] as const;
export type SyncObject = (typeof SYNC_OBJECTS)[number];

// Compound fields are not readable through Bulk 2.0; their components are separate fields.
export const UNSYNCABLE_TYPES: ReadonlySet<string> = new Set(["address", "location", "base64"]);
