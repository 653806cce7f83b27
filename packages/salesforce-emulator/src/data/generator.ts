import { makeId } from "../ids";
import { DAY, formatDate, type EpochSeconds } from "../time";
import { INDUSTRIES, LEAD_SOURCES, LEAD_STATUSES, STAGES, type FieldDef, type ObjectDef } from "../schema";

export type Value = string | number | boolean | null;
export type FieldGenerator = (i: number) => Value;

export interface LoginUserSeed {
  username: string;
  firstName: string;
  lastName: string;
  email: string;
}

export interface GeneratorContext {
  seed: number;
  counts: Record<string, number>;
  /** Clock reading when the org was seeded; all generated history lies before it. */
  seededAt: EpochSeconds;
  historyDays: number;
  loginUsers: LoginUserSeed[];
  prefixes: Record<string, string>;
}

/** The people the generated org is made of: first and last names, mixed by a hash of the row. */
export const FIRST_NAMES = [
  "James",
  "Mary",
  "Robert",
  "Patricia",
  "John",
  "Jennifer",
  "Michael",
  "Linda",
  "David",
  "Elizabeth",
  "William",
  "Barbara",
  "Richard",
  "Susan",
  "Joseph",
  "Jessica",
  "Thomas",
  "Sarah",
  "Chris",
  "Karen",
  "Daniel",
  "Lisa",
  "Matthew",
  "Nancy",
  "Anthony",
  "Betty",
  "Mark",
  "Sandra",
  "Paul",
  "Ashley",
  "Steven",
  "Kimberly",
  "Andrew",
  "Emily",
  "Kenji",
  "Amelie",
  "Luca",
  "Sofia",
  "Noah",
  "Ines",
];
export const LAST_NAMES = [
  "Smith",
  "Johnson",
  "Williams",
  "Brown",
  "Jones",
  "Garcia",
  "Miller",
  "Davis",
  "Rodriguez",
  "Martinez",
  "Hernandez",
  "Lopez",
  "Gonzalez",
  "Wilson",
  "Anderson",
  "Thomas",
  "Taylor",
  "Moore",
  "Jackson",
  "Martin",
  "Lee",
  "Perez",
  "Thompson",
  "White",
  "Harris",
  "Sanchez",
  "Clark",
  "Ramirez",
  "O'Brien",
  "Lewis",
  "Robinson",
  "Walker",
  "Young",
  "Allen",
  "King",
  "Wright",
  "Scott",
  "Torres",
  "Nguyen",
  "Müller",
];
const FIRST_LOWER = FIRST_NAMES.map((s) => s.toLowerCase());
const LAST_LOWER = LAST_NAMES.map((s) => s.toLowerCase().replace(/[^a-z]/g, ""));
const WORDS = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Stark",
  "Wayne",
  "Wonka",
  "Hooli",
  "Vandelay",
  "Soylent",
  "Cyberdyne",
  "Tyrell",
  "Aperture",
  "Massive",
  "Dynamic",
  "Blue",
  "Northern",
  "Pacific",
  "Summit",
  "Vertex",
];
const SUFFIX = ["Inc.", "LLC", "GmbH", "Ltd", "Corp", "Group", "Partners", "Labs", "Systems", "Holdings"];
const CITIES = ["Paris", "Berlin", "London", "New York", "San Francisco", "Tokyo", "Madrid", "Lyon", "Austin", "Toronto"];
const COUNTRIES = ["France", "Germany", "United Kingdom", "USA", "USA", "Japan", "Spain", "France", "USA", "Canada"];
const TITLES = ["CEO", "CTO", "VP Sales", "Director, IT", "Marketing Manager", "Engineer", "Buyer", "Analyst", null];

/** Stateless 32-bit mix so record i can be computed without its neighbours. */
export function hash(seed: number, i: number, salt: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(salt + 7, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return (h ^ (h >>> 16)) >>> 0;
}

function saltOf(name: string): number {
  let s = 0;
  for (let k = 0; k < name.length; k++) s = (Math.imul(s, 31) + name.charCodeAt(k)) | 0;
  return s;
}

const pick = <T>(arr: readonly T[], h: number): T => arr[h % arr.length]!;

/**
 * Timestamps of generated records never decrease with the index, so Id order, CreatedDate order and
 * SystemModstamp order coincide and keyset scans become index ranges. Records come in bursts of four
 * sharing a second, as bulk loads do in real orgs.
 */
export class Timeline {
  readonly start: EpochSeconds;
  private readonly createdSpan: number;
  private readonly lagSpan: number;

  constructor(
    private readonly count: number,
    seededAt: EpochSeconds,
    historyDays: number,
  ) {
    const history = historyDays * DAY;
    this.start = seededAt - history;
    this.lagSpan = Math.floor(history * 0.08);
    this.createdSpan = history - this.lagSpan - DAY;
  }

  created(i: number): EpochSeconds {
    const g = i - (i % 4);
    return this.start + Math.floor((g * this.createdSpan) / Math.max(this.count, 1));
  }

  modstamp(i: number): EpochSeconds {
    const g = i - (i % 4);
    return this.created(i) + Math.floor((g * this.lagSpan) / Math.max(this.count, 1));
  }

  /** First index whose value is >= t (or > t when strict), given a non-decreasing value function. */
  static search(count: number, value: (i: number) => number, t: number, strict: boolean): number {
    let lo = 0;
    let hi = count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const v = value(mid);
      if (strict ? v > t : v >= t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}

export interface GeneratedTable {
  count: number;
  timeline: Timeline;
  fields: Map<string, FieldGenerator>;
  /** Inverse of invertible external-id generators: value -> index. */
  lookupExternal(fieldName: string, value: string): number | undefined;
}

/** The org's record types: a couple per object that has them, as a typical org defines. */
export const RECORD_TYPES = [
  { sobjectType: "Account", developerName: "Customer", name: "Customer" },
  { sobjectType: "Account", developerName: "Partner", name: "Partner" },
  { sobjectType: "Opportunity", developerName: "New_Business", name: "New Business" },
  { sobjectType: "Opportunity", developerName: "Renewal", name: "Renewal" },
  { sobjectType: "Case", developerName: "Support", name: "Support" },
  { sobjectType: "Case", developerName: "Billing", name: "Billing" },
] as const;

function recordTypeId(sobjectType: string, h: number): string {
  const options = RECORD_TYPES.flatMap((rt, k) => (rt.sobjectType === sobjectType ? [k] : []));
  return makeId("012", pick(options, h) + 1);
}

export function externalKeyFor(objectName: string, i: number): string {
  return `${objectName.slice(0, 3).toUpperCase()}-${String(i + 1).padStart(8, "0")}`;
}

export function buildGeneratedTable(def: ObjectDef, ctx: GeneratorContext): GeneratedTable {
  const count = ctx.counts[def.name] ?? 0;
  const timeline = new Timeline(count, ctx.seededAt, ctx.historyDays);
  const s = (ctx.seed ^ saltOf(def.name)) >>> 0;
  const h = (i: number, salt: number) => hash(s, i, salt);
  const countOf = (o: string) => ctx.counts[o] ?? 0;
  const idOf = (o: string, j: number) => makeId(ctx.prefixes[o]!, j + 1);
  const refTo =
    (o: string, salt: number, nullPct = 0) =>
    (i: number): Value => {
      const n = countOf(o);
      if (n === 0) return null;
      const x = h(i, salt);
      if (nullPct > 0 && x % 100 < nullPct) return null;
      return idOf(o, (x >>> 7) % n);
    };
  const userCount = countOf("User");
  const userRef =
    (salt: number) =>
    (i: number): Value =>
      idOf("User", userCount > 0 ? h(i, salt) % userCount : 0);
  const first = (i: number) => pick(FIRST_NAMES, h(i, 1));
  const last = (i: number) => pick(LAST_NAMES, h(i, 2));
  const emailLocal = (i: number) => `${pick(FIRST_LOWER, h(i, 1))}.${pick(LAST_LOWER, h(i, 2))}`;
  const company = (i: number) => `${pick(WORDS, h(i, 3))} ${pick(WORDS, h(i, 4) >>> 3)} ${pick(SUFFIX, h(i, 5))}`;
  const money =
    (salt: number, max: number) =>
    (i: number): Value =>
      h(i, salt) % 10 === 0 ? null : (h(i, salt) % max) * 100;
  const dateNear =
    (salt: number, spreadDays: number) =>
    (i: number): Value =>
      formatDate(timeline.created(i) + (h(i, salt) % spreadDays) * DAY);

  const g = new Map<string, FieldGenerator>();
  g.set("Id", (i) => idOf(def.name, i));
  g.set("IsDeleted", () => false);
  g.set("MasterRecordId", () => null);
  g.set("OwnerId", userRef(10));
  g.set("CreatedDate", (i) => timeline.created(i));
  g.set("CreatedById", userRef(10));
  g.set("LastModifiedDate", (i) => timeline.modstamp(i));
  g.set("LastModifiedById", userRef(11));
  g.set("SystemModstamp", (i) => timeline.modstamp(i));

  switch (def.name) {
    case "User": {
      const login = (i: number) => ctx.loginUsers[i];
      const uFirst = (i: number) => login(i)?.firstName ?? first(i);
      const uLast = (i: number) => login(i)?.lastName ?? last(i);
      g.set("Username", (i) => login(i)?.username ?? `user${i + 1}@emulator.ferry.test`);
      g.set("FirstName", uFirst);
      g.set("LastName", uLast);
      g.set("Name", (i) => `${uFirst(i)} ${uLast(i)}`);
      g.set("Alias", (i) => `${uFirst(i).slice(0, 1)}${uLast(i).slice(0, 4)}`.toLowerCase());
      g.set("Email", (i) => login(i)?.email ?? `user${i + 1}@emulator.ferry.test`);
      g.set("IsActive", () => true);
      g.set("TimeZoneSidKey", () => "GMT");
      g.set("UserType", () => "Standard");
      g.set("Title", (i) => pick(TITLES, h(i, 6)));
      g.set("Department", (i) => pick(["Sales", "Marketing", "IT", "Support"], h(i, 7)));
      g.set("OwnerId", () => null);
      g.set("CreatedById", () => idOf("User", 0));
      g.set("LastModifiedById", () => idOf("User", 0));
      break;
    }
    case "Account":
      g.set("Name", company);
      g.set("Type", (i) => pick(["Prospect", "Customer - Direct", "Customer - Channel", "Partner", null], h(i, 8)));
      g.set("ParentId", () => null);
      g.set("AccountNumber", (i) => `CD${100000 + i}`);
      g.set("BillingStreet", (i) => `${(h(i, 9) % 999) + 1} ${pick(LAST_NAMES, h(i, 10))} Street`);
      g.set("BillingCity", (i) => pick(CITIES, h(i, 11)));
      g.set("BillingState", () => null);
      g.set("BillingPostalCode", (i) => String(10000 + (h(i, 12) % 89999)));
      g.set("BillingCountry", (i) => pick(COUNTRIES, h(i, 11)));
      g.set("Phone", (i) => `+1 415 555 ${String(h(i, 13) % 10000).padStart(4, "0")}`);
      g.set("Website", (i) => `https://www.${pick(WORDS, h(i, 3)).toLowerCase()}${i}.example.com`);
      g.set("Industry", (i) => pick(INDUSTRIES, h(i, 14)));
      g.set("AnnualRevenue", money(15, 5_000_000));
      g.set("NumberOfEmployees", (i) => h(i, 16) % 50_000);
      g.set("Description", (i) => (h(i, 17) % 3 === 0 ? `Key account, "tier ${h(i, 18) % 3}", since ${formatDate(timeline.created(i))}` : null));
      break;
    case "Contact":
    case "Lead": {
      g.set("Salutation", (i) => pick(["Mr.", "Ms.", "Dr.", null], h(i, 19)));
      g.set("FirstName", first);
      g.set("LastName", last);
      g.set("Name", (i) => `${first(i)} ${last(i)}`);
      g.set("Title", (i) => pick(TITLES, h(i, 6)));
      g.set("Email", (i) => (h(i, 20) % 17 === 0 ? null : `${emailLocal(i)}${i}@example.com`));
      g.set("Phone", (i) => `+33 1 ${String(h(i, 13) % 100_000_000).padStart(8, "0")}`);
      g.set("LeadSource", (i) => pick(LEAD_SOURCES, h(i, 21)));
      if (def.name === "Contact") {
        g.set("AccountId", refTo("Account", 22, 5));
        g.set("MobilePhone", (i) => (h(i, 23) % 2 ? `+33 6 ${String(h(i, 24) % 100_000_000).padStart(8, "0")}` : null));
        g.set("MailingCity", (i) => pick(CITIES, h(i, 11)));
        g.set("MailingCountry", (i) => pick(COUNTRIES, h(i, 11)));
        g.set("Birthdate", (i) => (h(i, 25) % 4 === 0 ? formatDate(Date.UTC(1960 + (h(i, 26) % 40), h(i, 27) % 12, 1 + (h(i, 28) % 28)) / 1000) : null));
        g.set("Department", (i) => pick(["Sales", "Finance", "IT", null], h(i, 7)));
        g.set("HasOptedOutOfEmail", (i) => h(i, 29) % 10 === 0);
      } else {
        const converted = (i: number) => countOf("Account") > 0 && countOf("Contact") > 0 && h(i, 30) % 20 === 0;
        g.set("Company", company);
        g.set("City", (i) => pick(CITIES, h(i, 11)));
        g.set("Country", (i) => pick(COUNTRIES, h(i, 11)));
        g.set("Status", (i) =>
          converted(i)
            ? "Closed - Converted"
            : pick(
                LEAD_STATUSES.filter((x) => x !== "Closed - Converted"),
                h(i, 31),
              ),
        );
        g.set("Industry", (i) => pick(INDUSTRIES, h(i, 14)));
        g.set("Rating", (i) => pick(["Hot", "Warm", "Cold", null], h(i, 32)));
        g.set("AnnualRevenue", money(15, 1_000_000));
        g.set("NumberOfEmployees", (i) => h(i, 16) % 5_000);
        g.set("IsConverted", converted);
        g.set("ConvertedDate", (i) => (converted(i) ? formatDate(timeline.modstamp(i)) : null));
        g.set("ConvertedAccountId", (i) => (converted(i) ? idOf("Account", h(i, 33) % countOf("Account")) : null));
        g.set("ConvertedContactId", (i) => (converted(i) ? idOf("Contact", h(i, 34) % countOf("Contact")) : null));
        g.set("ConvertedOpportunityId", (i) =>
          converted(i) && countOf("Opportunity") > 0 && h(i, 35) % 2 === 0 ? idOf("Opportunity", h(i, 36) % countOf("Opportunity")) : null,
        );
        g.set("IsUnreadByOwner", (i) => h(i, 37) % 3 === 0);
      }
      break;
    }
    case "Opportunity": {
      const stage = (i: number) => pick(STAGES, h(i, 38));
      g.set("AccountId", refTo("Account", 22, 2));
      g.set("Name", (i) => `${pick(WORDS, h(i, 3))} - ${pick(["Renewal", "Upsell", "New Business", "Expansion"], h(i, 39))}`);
      g.set("Description", () => null);
      g.set("StageName", stage);
      g.set("Amount", money(40, 500_000));
      g.set("Probability", (i) => [10, 20, 30, 50, 75, 100, 0][STAGES.indexOf(stage(i))] ?? 10);
      g.set("CloseDate", dateNear(41, 180));
      g.set("Type", (i) => pick(["Existing Customer - Upgrade", "New Customer", null], h(i, 42)));
      g.set("LeadSource", (i) => pick(LEAD_SOURCES, h(i, 21)));
      g.set("IsClosed", (i) => stage(i).startsWith("Closed"));
      g.set("IsWon", (i) => stage(i) === "Closed Won");
      g.set("CampaignId", refTo("Campaign", 43, 60));
      break;
    }
    case "OpportunityContactRole":
      g.set("OpportunityId", (i) => (countOf("Opportunity") ? idOf("Opportunity", i % countOf("Opportunity")) : null));
      g.set("ContactId", refTo("Contact", 44));
      g.set("Role", (i) => pick(["Business User", "Decision Maker", "Economic Buyer", "Technical Buyer", "Influencer"], h(i, 45)));
      g.set("IsPrimary", (i) => i % 3 === 0);
      g.set("OwnerId", () => null);
      break;
    case "Campaign":
      g.set(
        "Name",
        (i) =>
          `${pick(["Spring", "Summer", "Autumn", "Winter"], h(i, 46))} ${pick(["Webinar", "Expo", "Email Blast", "Roadshow"], h(i, 47))} ${2020 + (i % 7)}`,
      );
      g.set("Type", (i) => pick(["Conference", "Webinar", "Email", "Advertisement", "Other"], h(i, 48)));
      g.set("Status", (i) => pick(["Planned", "In Progress", "Completed", "Aborted"], h(i, 49)));
      g.set("StartDate", dateNear(50, 30));
      g.set("EndDate", dateNear(51, 90));
      g.set("IsActive", (i) => h(i, 52) % 2 === 0);
      g.set("BudgetedCost", money(53, 100_000));
      g.set("ActualCost", money(54, 100_000));
      g.set("ParentId", () => null);
      break;
    case "CampaignMember": {
      const toLead = (i: number) => countOf("Lead") > 0 && (countOf("Contact") === 0 || i % 2 === 0);
      g.set("CampaignId", (i) => (countOf("Campaign") ? idOf("Campaign", h(i, 55) % countOf("Campaign")) : null));
      g.set("LeadId", (i) => (toLead(i) ? idOf("Lead", h(i, 56) % countOf("Lead")) : null));
      g.set("ContactId", (i) => (!toLead(i) && countOf("Contact") ? idOf("Contact", h(i, 57) % countOf("Contact")) : null));
      g.set("Status", (i) => pick(["Planned", "Sent", "Responded"], h(i, 58)));
      g.set("HasResponded", (i) => h(i, 58) % 3 === 2);
      g.set("FirstRespondedDate", (i) => (h(i, 58) % 3 === 2 ? formatDate(timeline.modstamp(i)) : null));
      g.set("OwnerId", () => null);
      break;
    }
    case "RecordType": {
      const rt = (i: number) => RECORD_TYPES[i]!;
      g.set("Name", (i) => rt(i).name);
      g.set("DeveloperName", (i) => rt(i).developerName);
      g.set("SobjectType", (i) => rt(i).sobjectType);
      g.set("Description", () => null);
      g.set("IsActive", () => true);
      g.set("OwnerId", () => null);
      g.set("CreatedById", () => idOf("User", 0));
      g.set("LastModifiedById", () => idOf("User", 0));
      break;
    }
    case "Case": {
      const status = (i: number) => pick(["New", "Working", "Escalated", "Closed", "Closed"], h(i, 70));
      g.set("CaseNumber", (i) => String(1000 + i + 1).padStart(8, "0"));
      g.set("AccountId", refTo("Account", 22, 10));
      g.set("ContactId", refTo("Contact", 71, 30));
      g.set("RecordTypeId", (i) => recordTypeId("Case", h(i, 72)));
      g.set("Type", (i) => pick(["Mechanical", "Electrical", "Electronic", "Structural", "Other", null], h(i, 73)));
      g.set("Status", status);
      g.set("Reason", (i) => pick(["Installation", "Performance", "Breakdown", "Feedback", "Other", null], h(i, 74)));
      g.set("Origin", (i) => pick(["Phone", "Email", "Web"], h(i, 75)));
      g.set("Subject", (i) => `${pick(["Cannot log in", "Invoice question", "Device overheating", "Feature request", "Data export"], h(i, 76))} #${i + 1}`);
      g.set("Priority", (i) => pick(["High", "Medium", "Low"], h(i, 77)));
      g.set("IsClosed", (i) => status(i) === "Closed");
      g.set("ClosedDate", (i) => (status(i) === "Closed" ? timeline.modstamp(i) : null));
      break;
    }
    case "Task":
    case "Event": {
      // Half the activities are about a contact and its account, half about a lead (no WhatId).
      const aboutLead = (i: number) => countOf("Lead") > 0 && (countOf("Contact") === 0 || h(i, 80) % 2 === 0);
      g.set("WhoId", (i) =>
        aboutLead(i) ? idOf("Lead", h(i, 81) % countOf("Lead")) : countOf("Contact") ? idOf("Contact", h(i, 82) % countOf("Contact")) : null,
      );
      g.set("WhatId", (i) => (aboutLead(i) || countOf("Account") === 0 ? null : idOf("Account", h(i, 83) % countOf("Account"))));
      g.set("Subject", (i) =>
        pick(def.name === "Task" ? ["Call", "Send Quote", "Send Letter", "Email", "Other"] : ["Meeting", "Demo", "Lunch", "Onsite visit"], h(i, 84)),
      );
      g.set("ActivityDate", (i) => formatDate(timeline.created(i) + (h(i, 85) % 14) * DAY));
      g.set("Description", () => null);
      if (def.name === "Task") {
        const status = (i: number) => pick(["Not Started", "In Progress", "Completed", "Completed", "Deferred"], h(i, 86));
        const priority = (i: number) => pick(["High", "Normal", "Normal", "Low"], h(i, 87));
        g.set("Status", status);
        g.set("Priority", priority);
        g.set("IsHighPriority", (i) => priority(i) === "High");
        g.set("IsClosed", (i) => status(i) === "Completed");
        g.set("TaskSubtype", (i) => pick(["Task", "Email", "Call"], h(i, 88)));
        g.set("CompletedDateTime", (i) => (status(i) === "Completed" ? timeline.modstamp(i) : null));
      } else {
        const startAt = (i: number) => timeline.created(i) + (h(i, 85) % 14) * DAY + 9 * 3600 + (h(i, 89) % 8) * 3600;
        const minutes = (i: number) => pick([30, 60, 90], h(i, 90));
        g.set("StartDateTime", startAt);
        g.set("ActivityDateTime", startAt);
        g.set("EndDateTime", (i) => startAt(i) + minutes(i) * 60);
        g.set("DurationInMinutes", minutes);
        g.set("Location", (i) => pick(CITIES, h(i, 11)));
        g.set("ShowAs", () => "Busy");
        g.set("EventSubtype", () => "Event");
      }
      break;
    }
  }
  if (def.name === "Account") {
    g.set("RecordTypeId", (i) => recordTypeId("Account", h(i, 60)));
    // Half the accounts ship to their billing address, as imported data often does.
    for (const part of ["Street", "City", "State", "PostalCode", "Country"]) {
      const billing = g.get(`Billing${part}`)!;
      g.set(`Shipping${part}`, (i) => (h(i, 61) % 2 === 0 ? billing(i) : null));
    }
  }
  if (def.name === "Contact" || def.name === "Lead") {
    const prefix = def.name === "Contact" ? "Mailing" : "";
    g.set(`${prefix}Street`, (i) => `${(h(i, 9) % 999) + 1} ${pick(LAST_NAMES, h(i, 10))} Avenue`);
    g.set(`${prefix}PostalCode`, (i) => String(10000 + (h(i, 12) % 89999)));
  }
  if (def.name === "Opportunity") {
    const stage = (i: number) => pick(STAGES, h(i, 38));
    const forecast = ["Pipeline", "Pipeline", "Pipeline", "Best Case", "Commit", "Closed", "Omitted"];
    const amount = g.get("Amount")!;
    const probability = g.get("Probability")!;
    const closeDate = g.get("CloseDate")!;
    g.set("RecordTypeId", (i) => recordTypeId("Opportunity", h(i, 62)));
    g.set("ForecastCategoryName", (i) => forecast[STAGES.indexOf(stage(i))] ?? "Pipeline");
    g.set("ExpectedRevenue", (i) => {
      const a = amount(i);
      return a === null ? null : ((a as number) * (probability(i) as number)) / 100;
    });
    g.set("FiscalYear", (i) => Number(String(closeDate(i)).slice(0, 4)));
    g.set("FiscalQuarter", (i) => Math.floor((Number(String(closeDate(i)).slice(5, 7)) - 1) / 3) + 1);
  }
  if (["Account", "Contact", "Lead", "Opportunity"].includes(def.name)) {
    g.set("LastActivityDate", (i) => (h(i, 63) % 3 === 0 ? null : formatDate(timeline.modstamp(i) - (h(i, 64) % 30) * DAY)));
  }
  // Checkboxes are never null in Salesforce; the ones without a generator are unchecked.
  for (const f of def.fields) if (f.type === "boolean" && !g.has(f.name)) g.set(f.name, () => false);

  const externalFields = new Set<string>();
  for (const f of def.fields) {
    if (!f.custom || !f.generated) continue;
    const gen = customFieldGenerator(def, f, h, timeline);
    if (f.externalId) externalFields.add(f.name);
    g.set(f.name, gen);
  }

  return {
    count,
    timeline,
    fields: g,
    lookupExternal(fieldName, value) {
      if (!externalFields.has(fieldName)) return undefined;
      const m = /^([A-Za-z]{3})-(\d{8})$/.exec(value);
      if (!m || m[1]!.toUpperCase() !== def.name.slice(0, 3).toUpperCase()) return undefined;
      const i = Number(m[2]) - 1;
      return i >= 0 && i < count ? i : undefined;
    },
  };
}

function customFieldGenerator(def: ObjectDef, f: FieldDef, h: (i: number, salt: number) => number, timeline: Timeline): FieldGenerator {
  const salt = 1000 + saltOf(f.name);
  if (f.externalId && (f.type === "string" || f.type === "email")) return (i) => externalKeyFor(def.name, i);
  switch (f.type) {
    case "string":
    case "textarea":
      return (i) => (h(i, salt) % 5 === 0 ? null : `${f.label} ${pick(WORDS, h(i, salt + 1))} ${h(i, salt + 2) % 1000}`);
    case "email":
      return (i) => `contact${i}@${pick(WORDS, h(i, salt)).toLowerCase()}.example.com`;
    case "phone":
      return (i) => `+1 212 555 ${String(h(i, salt) % 10000).padStart(4, "0")}`;
    case "url":
      return (i) => `https://example.com/${def.name.toLowerCase()}/${i}`;
    case "boolean":
      return (i) => h(i, salt) % 2 === 0;
    case "int":
      return (i) => h(i, salt) % 10_000;
    case "double":
    case "currency":
    case "percent":
      return (i) => (h(i, salt) % 7 === 0 ? null : (h(i, salt) % 1000) / 10);
    case "date":
      return (i) => formatDate(timeline.created(i) + (h(i, salt) % 60) * DAY);
    case "datetime":
      return (i) => timeline.created(i) + (h(i, salt) % 86_400);
    case "picklist":
      return (i) => (f.picklistValues.length ? pick(f.picklistValues, h(i, salt)) : null);
    case "multipicklist":
      return (i) => {
        const chosen = f.picklistValues.filter((_, k) => (h(i, salt) >>> k) & 1);
        return chosen.length ? chosen.join(";") : null;
      };
    default:
      return () => null;
  }
}
