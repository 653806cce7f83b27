/**
 * Ferry's own data model, which Salesforce fields are mapped onto. The sync engine reads it too:
 * Person records come from Leads and Contacts (a Lead and a Contact field of the same name feed
 * one Person field), Company from Accounts, Opportunity from Opportunities.
 */
export const ferryEntities = {
  person: { label: "Person", sources: ["Lead", "Contact"] },
  company: { label: "Company", sources: ["Account"] },
  opportunity: { label: "Opportunity", sources: ["Opportunity"] },
} as const;

export type FerryEntity = keyof typeof ferryEntities;
export type FerryFieldType = "text" | "email" | "phone" | "url" | "number" | "boolean" | "date" | "datetime";

export interface FerryField {
  /** Stable id, e.g. "person.email" or "person.custom.Score__c". */
  id: string;
  entity: FerryEntity;
  label: string;
  type: FerryFieldType;
  /** System fields (owner, timestamps) are never written back to Salesforce. */
  writable: boolean;
  custom: boolean;
}

/** Default sources of each standard field, per Salesforce object. */
type Defaults = Partial<Record<"Lead" | "Contact" | "Account" | "Opportunity", string>>;
const std = (entity: FerryEntity, name: string, label: string, type: FerryFieldType, defaults: Defaults, writable = true) => ({
  field: { id: `${entity}.${name}`, entity, label, type, writable, custom: false } satisfies FerryField,
  defaults,
});

const standard = [
  std("person", "email", "Email", "email", { Lead: "Email", Contact: "Email" }),
  std("person", "first_name", "First name", "text", { Lead: "FirstName", Contact: "FirstName" }),
  std("person", "last_name", "Last name", "text", { Lead: "LastName", Contact: "LastName" }),
  std("person", "title", "Job title", "text", { Lead: "Title", Contact: "Title" }),
  std("person", "phone", "Phone", "phone", { Lead: "Phone", Contact: "Phone" }),
  std("person", "mobile_phone", "Mobile phone", "phone", { Lead: "MobilePhone", Contact: "MobilePhone" }),
  std("person", "department", "Department", "text", { Contact: "Department" }),
  std("person", "company_name", "Company name", "text", { Lead: "Company" }),
  std("person", "city", "City", "text", { Lead: "City", Contact: "MailingCity" }),
  std("person", "country", "Country", "text", { Lead: "Country", Contact: "MailingCountry" }),
  std("person", "lead_source", "Lead source", "text", { Lead: "LeadSource", Contact: "LeadSource" }),
  std("person", "lead_status", "Lead status", "text", { Lead: "Status" }),
  std("person", "birthdate", "Birthdate", "date", { Contact: "Birthdate" }),
  std("person", "email_opt_out", "Email opt-out", "boolean", { Lead: "HasOptedOutOfEmail", Contact: "HasOptedOutOfEmail" }),
  std("person", "annual_revenue", "Annual revenue", "number", { Lead: "AnnualRevenue" }),
  std("person", "employees", "Employees", "number", { Lead: "NumberOfEmployees" }),
  std("person", "description", "Description", "text", { Lead: "Description", Contact: "Description" }),
  std("person", "owner_id", "Salesforce owner", "text", { Lead: "OwnerId", Contact: "OwnerId" }, false),
  std("person", "created_at", "Created in Salesforce", "datetime", { Lead: "CreatedDate", Contact: "CreatedDate" }, false),
  std("company", "name", "Company name", "text", { Account: "Name" }),
  std("company", "account_number", "Account number", "text", { Account: "AccountNumber" }),
  std("company", "website", "Website", "url", { Account: "Website" }),
  std("company", "phone", "Phone", "phone", { Account: "Phone" }),
  std("company", "industry", "Industry", "text", { Account: "Industry" }),
  std("company", "annual_revenue", "Annual revenue", "number", { Account: "AnnualRevenue" }),
  std("company", "employees", "Employees", "number", { Account: "NumberOfEmployees" }),
  std("company", "billing_street", "Billing street", "text", { Account: "BillingStreet" }),
  std("company", "billing_city", "Billing city", "text", { Account: "BillingCity" }),
  std("company", "billing_state", "Billing state", "text", { Account: "BillingState" }),
  std("company", "billing_postal_code", "Billing postal code", "text", { Account: "BillingPostalCode" }),
  std("company", "billing_country", "Billing country", "text", { Account: "BillingCountry" }),
  std("company", "description", "Description", "text", { Account: "Description" }),
  std("company", "owner_id", "Salesforce owner", "text", { Account: "OwnerId" }, false),
  std("opportunity", "name", "Opportunity name", "text", { Opportunity: "Name" }),
  std("opportunity", "amount", "Amount", "number", { Opportunity: "Amount" }),
  std("opportunity", "stage", "Stage", "text", { Opportunity: "StageName" }),
  std("opportunity", "close_date", "Close date", "date", { Opportunity: "CloseDate" }),
  std("opportunity", "probability", "Probability (%)", "number", { Opportunity: "Probability" }),
  std("opportunity", "type", "Type", "text", { Opportunity: "Type" }),
  std("opportunity", "lead_source", "Lead source", "text", { Opportunity: "LeadSource" }),
  std("opportunity", "description", "Description", "text", { Opportunity: "Description" }),
  std("opportunity", "is_closed", "Closed", "boolean", { Opportunity: "IsClosed" }, false),
  std("opportunity", "is_won", "Won", "boolean", { Opportunity: "IsWon" }, false),
  std("opportunity", "owner_id", "Salesforce owner", "text", { Opportunity: "OwnerId" }, false),
];

export const standardFerryFields: FerryField[] = standard.map((s) => s.field);

/** The Ferry entity a Salesforce object feeds, if any (other objects are kept as raw records only). */
export function entityOf(object: string): FerryEntity | undefined {
  for (const [entity, def] of Object.entries(ferryEntities)) if ((def.sources as readonly string[]).includes(object)) return entity as FerryEntity;
  return undefined;
}

const salesforceTypesFor: Record<FerryFieldType, readonly string[]> = {
  text: ["string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url", "id", "reference", "encryptedstring"],
  email: ["email", "string"],
  phone: ["phone", "string"],
  url: ["url", "string"],
  number: ["int", "double", "currency", "percent", "long"],
  boolean: ["boolean"],
  date: ["date"],
  datetime: ["datetime"],
};

/** The Ferry type a custom Salesforce field creates (its Ferry field is named after its API name). */
export function ferryTypeOf(salesforceType: string): FerryFieldType {
  if (salesforceTypesFor.number.includes(salesforceType)) return "number";
  if (["email", "phone", "url", "boolean", "date", "datetime"].includes(salesforceType)) return salesforceType as FerryFieldType;
  return "text";
}

/** Custom Ferry fields created by Sync Fields: one per custom API name per entity (Lead and Contact share). */
export function customFerryFields(
  catalog: { object: string; fieldName: string; label: string; type: string; custom: boolean; excluded: boolean }[],
): FerryField[] {
  const out = new Map<string, FerryField>();
  for (const f of catalog) {
    const entity = entityOf(f.object);
    if (!entity || !f.custom || f.excluded) continue;
    const id = `${entity}.custom.${f.fieldName}`;
    if (!out.has(id)) out.set(id, { id, entity, label: f.label, type: ferryTypeOf(f.type), writable: true, custom: true });
  }
  return [...out.values()];
}

/** Why a Salesforce field cannot feed a Ferry field, or null when it can. */
export function incompatibility(sf: { object: string; fieldName: string; type: string }, ferry: FerryField): string | null {
  const entity = entityOf(sf.object);
  if (entity !== ferry.entity) {
    return `${sf.object} fields feed ${entity ? ferryEntities[entity].label : "no Ferry record"}, not ${ferryEntities[ferry.entity].label}.`;
  }
  if (!salesforceTypesFor[ferry.type].includes(sf.type)) {
    const accepted = salesforceTypesFor[ferry.type].join(", ");
    return `${sf.object}.${sf.fieldName} is a ${sf.type} field; ${ferryEntities[ferry.entity].label} > ${ferry.label} is a ${ferry.type} field and takes only ${accepted} values.`;
  }
  return null;
}

/** Why a mapping cannot be two-way, or null when it can. */
export function twoWayProblem(sf: { object: string; fieldName: string; writable: boolean }, ferry: FerryField): string | null {
  if (!ferry.writable) return `${ferryEntities[ferry.entity].label} > ${ferry.label} is maintained by Salesforce, so it syncs from Salesforce only.`;
  if (!sf.writable)
    return `The sync user cannot edit ${sf.object}.${sf.fieldName} in Salesforce (read-only or field-level security), so it can only sync from Salesforce.`;
  return null;
}

/** The initial mapping of one catalog field: standard defaults first, then same-named custom fields. */
export function defaultFerryField(object: string, fieldName: string, custom: boolean): string | undefined {
  const entity = entityOf(object);
  if (!entity) return undefined;
  if (custom) return `${entity}.custom.${fieldName}`;
  return standard.find((s) => s.field.entity === entity && s.defaults[object as keyof Defaults] === fieldName)?.field.id;
}
