/**
 * The order the engine reads objects in (parents before children; `SYNC_OBJECTS` in @ferry/sync,
 * which depends on this package, and a test there keeps the two equal). The progress page lists a
 * run's objects in this order, the ones not started yet as pending.
 */
export const SYNC_ORDER = ["User", "Account", "Contact", "Lead", "Opportunity", "OpportunityContactRole", "Campaign", "CampaignMember"] as const;

/** The objects a run of this kind will read, in reading order: those the tenant's field catalog holds. */
export function planFor(kind: string, catalogObjects: readonly string[]): string[] {
  if (kind === "push") return [];
  const known = new Set(catalogObjects);
  return SYNC_ORDER.filter((o) => known.has(o));
}
