import { KEY_PREFIX } from "./ids";

export type FieldType =
  | "id"
  | "string"
  | "textarea"
  | "boolean"
  | "int"
  | "double"
  | "currency"
  | "percent"
  | "date"
  | "datetime"
  | "picklist"
  | "multipicklist"
  | "reference"
  | "email"
  | "phone"
  | "url"
  /** Compound, read-only: its value is built from its component fields (BillingStreet, …). */
  | "address";

export const FIELD_TYPES: readonly FieldType[] = [
  "id",
  "string",
  "textarea",
  "boolean",
  "int",
  "double",
  "currency",
  "percent",
  "date",
  "datetime",
  "picklist",
  "multipicklist",
  "reference",
  "email",
  "phone",
  "url",
];

export interface FieldDef {
  name: string;
  label: string;
  type: FieldType;
  length: number;
  precision: number;
  scale: number;
  referenceTo: string[];
  relationshipName: string | null;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  custom: boolean;
  externalId: boolean;
  unique: boolean;
  picklistValues: string[];
  defaultedOnCreate: boolean;
  nameField: boolean;
  calculated: boolean;
  /** Component of a compound field (`BillingCity` → `BillingAddress`). */
  compoundFieldName?: string;
  /** For an address field: the prefix of its components (`Billing`, `Mailing`, or '' for Lead.Address). */
  addressPrefix?: string;
  /** Deleting the referenced record deletes this one (master-detail style); otherwise the lookup is cleared. */
  cascadeDelete?: boolean;
  /** Custom fields added after the org was seeded are null on generated records. */
  generated: boolean;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  mergeable: boolean;
  fields: FieldDef[];
  /** API operations on the object; all allowed when absent. Organization is one read-mostly row. */
  operations?: { create: boolean; update: boolean; delete: boolean };
}

export type FieldSpec = Partial<FieldDef> & { name: string; type: FieldType };

export function field(spec: FieldSpec): FieldDef {
  const t = spec.type;
  const system = t === "id";
  const defaultLength =
    t === "address"
      ? 0
      : t === "id" || t === "reference"
        ? 18
        : t === "textarea"
          ? 32000
          : t === "email" || t === "url"
            ? 255
            : t === "phone"
              ? 40
              : t === "picklist" || t === "multipicklist"
                ? 255
                : t === "string"
                  ? 255
                  : 0;
  return {
    label:
      spec.label ??
      spec.name
        .replace(/__c$/, "")
        .replace(/Id$/, " ID")
        .replace(/([a-z])([A-Z])/g, "$1 $2"),
    length: defaultLength,
    precision: t === "currency" || t === "double" || t === "percent" ? 18 : t === "int" ? 9 : 0,
    scale: t === "currency" || t === "double" || t === "percent" ? 2 : 0,
    referenceTo: [],
    relationshipName: null,
    createable: !system,
    updateable: !system,
    nillable: !system,
    custom: spec.name.endsWith("__c"),
    externalId: false,
    unique: false,
    picklistValues: [],
    defaultedOnCreate: system,
    nameField: false,
    calculated: false,
    generated: true,
    ...spec,
  };
}

function ref(name: string, to: string[], extra: Partial<FieldSpec> = {}): FieldDef {
  return field({ name, type: "reference", referenceTo: to, relationshipName: name.replace(/Id$/, ""), ...extra });
}

const readOnly = { createable: false, updateable: false } as const;

function auditFields(opts: { deletable: boolean; owned: boolean; mergeable: boolean }): FieldDef[] {
  const out: FieldDef[] = [field({ name: "Id", type: "id", label: "Record ID" })];
  if (opts.deletable) out.push(field({ name: "IsDeleted", type: "boolean", label: "Deleted", ...readOnly, nillable: false, defaultedOnCreate: true }));
  if (opts.mergeable) out.push(ref("MasterRecordId", [], { label: "Master Record ID", ...readOnly }));
  if (opts.owned) out.push(ref("OwnerId", ["Group", "User"], { label: "Owner ID", relationshipName: "Owner", nillable: false, defaultedOnCreate: true }));
  out.push(
    field({ name: "CreatedDate", type: "datetime", label: "Created Date", ...readOnly, nillable: false, defaultedOnCreate: true }),
    ref("CreatedById", ["User"], { label: "Created By ID", relationshipName: "CreatedBy", ...readOnly, nillable: false, defaultedOnCreate: true }),
    field({ name: "LastModifiedDate", type: "datetime", label: "Last Modified Date", ...readOnly, nillable: false, defaultedOnCreate: true }),
    ref("LastModifiedById", ["User"], {
      label: "Last Modified By ID",
      relationshipName: "LastModifiedBy",
      ...readOnly,
      nillable: false,
      defaultedOnCreate: true,
    }),
    field({ name: "SystemModstamp", type: "datetime", label: "System Modstamp", ...readOnly, nillable: false, defaultedOnCreate: true }),
  );
  return out;
}

const picklist = (name: string, values: string[], extra: Partial<FieldSpec> = {}) => field({ name, type: "picklist", picklistValues: values, ...extra });

const GEOCODE_ACCURACY = ["Address", "NearAddress", "Block", "Street", "ExtendedZip", "Zip", "Neighborhood", "City", "County", "State", "Unknown"];

/** A standard address: its components plus the read-only compound field (`MailingAddress`, Lead's `Address`). */
function address(prefix: string, labelPrefix = prefix ? `${prefix} ` : ""): FieldDef[] {
  const compound = `${prefix}Address`;
  const part = (spec: FieldSpec) => field({ ...spec, compoundFieldName: compound });
  return [
    part({ name: `${prefix}Street`, type: "textarea", length: 255, label: `${labelPrefix}Street` }),
    part({ name: `${prefix}City`, type: "string", length: 40, label: `${labelPrefix}City` }),
    part({ name: `${prefix}State`, type: "string", length: 80, label: `${labelPrefix}State/Province` }),
    part({ name: `${prefix}PostalCode`, type: "string", length: 20, label: `${labelPrefix}Zip/Postal Code` }),
    part({ name: `${prefix}Country`, type: "string", length: 80, label: `${labelPrefix}Country` }),
    part({ name: `${prefix}Latitude`, type: "double", precision: 18, scale: 15, label: `${labelPrefix}Latitude` }),
    part({ name: `${prefix}Longitude`, type: "double", precision: 18, scale: 15, label: `${labelPrefix}Longitude` }),
    picklist(`${prefix}GeocodeAccuracy`, GEOCODE_ACCURACY, { label: `${labelPrefix}Geocode Accuracy`, compoundFieldName: compound }),
    field({ name: compound, type: "address", label: `${labelPrefix}Address`, createable: false, updateable: false, addressPrefix: prefix }),
  ];
}

export const LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"];
export const LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"];
export const INDUSTRIES = [
  "Agriculture",
  "Banking",
  "Chemicals",
  "Communications",
  "Construction",
  "Education",
  "Energy",
  "Healthcare",
  "Manufacturing",
  "Retail",
  "Technology",
];
export const STAGES = ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"];

function standardObjects(): ObjectDef[] {
  const name = (n = "Name", extra: Partial<FieldSpec> = {}) => field({ name: n, type: "string", nameField: true, nillable: false, ...extra });
  const personName = [
    picklist("Salutation", ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]),
    field({ name: "FirstName", type: "string", length: 40 }),
    field({ name: "LastName", type: "string", length: 80, nillable: false }),
    name("Name", { length: 121, ...readOnly, calculated: true, label: "Full Name" }),
  ];
  /** The opt-outs, last activity and email bounce fields Contact and Lead both have, in this order. */
  const personOutreach = () => [
    field({ name: "HasOptedOutOfEmail", type: "boolean", label: "Email Opt Out", nillable: false, defaultedOnCreate: true }),
    field({ name: "HasOptedOutOfFax", type: "boolean", label: "Fax Opt Out", nillable: false, defaultedOnCreate: true }),
    field({ name: "DoNotCall", type: "boolean", label: "Do Not Call", nillable: false, defaultedOnCreate: true }),
    field({ name: "LastActivityDate", type: "date", label: "Last Activity", ...readOnly }),
    field({ name: "EmailBouncedReason", type: "string", length: 255 }),
    field({ name: "EmailBouncedDate", type: "datetime" }),
    field({ name: "IsEmailBounced", type: "boolean", label: "Is Email Bounced", ...readOnly, nillable: false, defaultedOnCreate: true }),
  ];
  const editions = [
    "Team Edition",
    "Professional Edition",
    "Enterprise Edition",
    "Developer Edition",
    "Personal Edition",
    "Unlimited Edition",
    "Contact Manager Edition",
    "Base Edition",
  ];
  const access = (n: string) => picklist(n, ["None", "Read", "Edit", "ReadEditTransfer", "ControlledByParent"], { ...readOnly, nillable: false });
  return [
    {
      name: "Organization",
      label: "Organization",
      labelPlural: "Organizations",
      keyPrefix: KEY_PREFIX.Organization,
      mergeable: false,
      operations: { create: false, update: true, delete: false },
      fields: [
        field({ name: "Id", type: "id", label: "Organization ID" }),
        name("Name", { length: 80 }),
        field({ name: "Division", type: "string", length: 80 }),
        field({ name: "Street", type: "textarea", length: 255 }),
        field({ name: "City", type: "string", length: 40 }),
        field({ name: "State", type: "string", length: 80, label: "State/Province" }),
        field({ name: "PostalCode", type: "string", length: 20, label: "Zip/Postal Code" }),
        field({ name: "Country", type: "string", length: 80 }),
        field({ name: "Phone", type: "phone" }),
        field({ name: "Fax", type: "phone" }),
        field({ name: "PrimaryContact", type: "string", length: 80 }),
        picklist("DefaultLocaleSidKey", ["en_US", "en_GB", "fr_FR", "de_DE"], { label: "Locale", nillable: false }),
        picklist("TimeZoneSidKey", ["GMT", "America/Los_Angeles", "Europe/Paris"], { label: "Time Zone", nillable: false }),
        picklist("LanguageLocaleKey", ["en_US", "fr", "de"], { label: "Language", nillable: false }),
        field({ name: "ReceivesInfoEmails", type: "boolean", label: "Info Emails", nillable: false, defaultedOnCreate: true }),
        field({ name: "ReceivesAdminInfoEmails", type: "boolean", label: "Info Emails Admin", nillable: false, defaultedOnCreate: true }),
        field({ name: "FiscalYearStartMonth", type: "int", label: "Fiscal Year Starts In", ...readOnly, precision: 2 }),
        field({ name: "UsesStartDateAsFiscalYearName", type: "boolean", label: "Fiscal Year Name by Start", ...readOnly, nillable: false }),
        access("DefaultAccountAccess"),
        access("DefaultContactAccess"),
        access("DefaultOpportunityAccess"),
        access("DefaultLeadAccess"),
        access("DefaultCaseAccess"),
        access("DefaultCalendarAccess"),
        access("DefaultPricebookAccess"),
        access("DefaultCampaignAccess"),
        field({ name: "ComplianceBccEmail", type: "email", label: "Compliance BCC Email", ...readOnly }),
        picklist("UiSkin", ["Theme1", "Theme2", "Theme3"], { label: "UI Skin", ...readOnly }),
        field({ name: "SignupCountryIsoCode", type: "string", length: 2, label: "Signup Country", ...readOnly }),
        field({ name: "TrialExpirationDate", type: "datetime", label: "Trial Expiration Date", ...readOnly }),
        picklist("OrganizationType", editions, { label: "Edition", ...readOnly }),
        field({ name: "NamespacePrefix", type: "string", length: 15, label: "Namespace Prefix", ...readOnly }),
        field({ name: "InstanceName", type: "string", length: 5, label: "Instance Name", ...readOnly }),
        field({ name: "IsSandbox", type: "boolean", label: "Is Sandbox", ...readOnly, nillable: false }),
        field({ name: "MonthlyPageViewsUsed", type: "int", label: "Monthly Page Views Used", ...readOnly, precision: 9 }),
        field({ name: "MonthlyPageViewsEntitlement", type: "int", label: "Monthly Page Views Allowed", ...readOnly, precision: 9 }),
        field({ name: "IsReadOnly", type: "boolean", label: "Is Read Only", ...readOnly, nillable: false }),
        ...auditFields({ deletable: false, owned: false, mergeable: false }).slice(1),
      ],
    },
    {
      name: "User",
      label: "User",
      labelPlural: "Users",
      keyPrefix: KEY_PREFIX.User,
      mergeable: false,
      fields: [
        ...auditFields({ deletable: false, owned: false, mergeable: false }),
        field({ name: "Username", type: "string", length: 80, nillable: false, unique: true }),
        field({ name: "FirstName", type: "string", length: 40 }),
        field({ name: "LastName", type: "string", length: 80, nillable: false }),
        name("Name", { length: 121, ...readOnly, calculated: true, label: "Full Name" }),
        field({ name: "Alias", type: "string", length: 8, nillable: false }),
        field({ name: "Email", type: "email", nillable: false }),
        field({ name: "IsActive", type: "boolean", label: "Active", nillable: false, defaultedOnCreate: true }),
        picklist("TimeZoneSidKey", ["GMT", "America/Los_Angeles", "Europe/Paris"], { nillable: false }),
        picklist("UserType", ["Standard"], { ...readOnly }),
        field({ name: "Title", type: "string", length: 80 }),
        field({ name: "Department", type: "string", length: 80 }),
      ],
    },
    {
      name: "Account",
      label: "Account",
      labelPlural: "Accounts",
      keyPrefix: KEY_PREFIX.Account,
      mergeable: true,
      fields: [
        ...auditFields({ deletable: true, owned: true, mergeable: true }),
        name("Name", { label: "Account Name" }),
        picklist("Type", ["Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other"], { label: "Account Type" }),
        ref("ParentId", ["Account"], { label: "Parent Account ID", relationshipName: "Parent" }),
        ref("RecordTypeId", ["RecordType"], { label: "Record Type ID" }),
        field({ name: "AccountNumber", type: "string", length: 40 }),
        ...address("Billing"),
        ...address("Shipping"),
        field({ name: "Phone", type: "phone", label: "Account Phone" }),
        field({ name: "Fax", type: "phone", label: "Account Fax" }),
        field({ name: "Website", type: "url", length: 255 }),
        field({ name: "PhotoUrl", type: "url", label: "Photo URL", ...readOnly }),
        field({ name: "Sic", type: "string", length: 20, label: "SIC Code" }),
        picklist("Industry", INDUSTRIES),
        field({ name: "AnnualRevenue", type: "currency" }),
        field({ name: "NumberOfEmployees", type: "int", label: "Employees" }),
        picklist("Ownership", ["Public", "Private", "Subsidiary", "Other"]),
        field({ name: "TickerSymbol", type: "string", length: 20 }),
        field({ name: "Description", type: "textarea" }),
        picklist("Rating", ["Hot", "Warm", "Cold"], { label: "Account Rating" }),
        field({ name: "Site", type: "string", length: 80, label: "Account Site" }),
        picklist("AccountSource", LEAD_SOURCES, { label: "Account Source" }),
        field({ name: "LastActivityDate", type: "date", label: "Last Activity", ...readOnly }),
        field({ name: "LastViewedDate", type: "datetime", ...readOnly }),
        field({ name: "LastReferencedDate", type: "datetime", ...readOnly }),
      ],
    },
    {
      name: "Contact",
      label: "Contact",
      labelPlural: "Contacts",
      keyPrefix: KEY_PREFIX.Contact,
      mergeable: true,
      fields: [
        ...auditFields({ deletable: true, owned: true, mergeable: true }),
        ref("AccountId", ["Account"], { label: "Account ID", cascadeDelete: true }),
        ...personName,
        ...address("Other"),
        ...address("Mailing"),
        field({ name: "Phone", type: "phone", label: "Business Phone" }),
        field({ name: "Fax", type: "phone", label: "Business Fax" }),
        field({ name: "MobilePhone", type: "phone" }),
        field({ name: "HomePhone", type: "phone", label: "Home Phone" }),
        field({ name: "OtherPhone", type: "phone", label: "Other Phone" }),
        field({ name: "AssistantPhone", type: "phone", label: "Asst. Phone" }),
        ref("ReportsToId", ["Contact"], { label: "Reports To ID", relationshipName: "ReportsTo" }),
        field({ name: "Email", type: "email" }),
        field({ name: "Title", type: "string", length: 128 }),
        field({ name: "Department", type: "string", length: 80 }),
        field({ name: "AssistantName", type: "string", length: 40, label: "Assistant's Name" }),
        picklist("LeadSource", LEAD_SOURCES),
        field({ name: "Birthdate", type: "date" }),
        field({ name: "Description", type: "textarea", label: "Contact Description" }),
        ...personOutreach(),
        field({ name: "PhotoUrl", type: "url", label: "Photo URL", ...readOnly }),
      ],
    },
    {
      name: "Lead",
      label: "Lead",
      labelPlural: "Leads",
      keyPrefix: KEY_PREFIX.Lead,
      mergeable: true,
      fields: [
        ...auditFields({ deletable: true, owned: true, mergeable: true }),
        ...personName,
        field({ name: "Title", type: "string", length: 128 }),
        field({ name: "Company", type: "string", nillable: false }),
        ...address(""),
        field({ name: "Email", type: "email" }),
        field({ name: "Phone", type: "phone" }),
        field({ name: "MobilePhone", type: "phone" }),
        field({ name: "Fax", type: "phone" }),
        field({ name: "Website", type: "url" }),
        field({ name: "PhotoUrl", type: "url", label: "Photo URL", ...readOnly }),
        field({ name: "Description", type: "textarea" }),
        picklist("LeadSource", LEAD_SOURCES),
        picklist("Status", LEAD_STATUSES, { nillable: false, defaultedOnCreate: true }),
        picklist("Industry", INDUSTRIES),
        picklist("Rating", ["Hot", "Warm", "Cold"]),
        field({ name: "AnnualRevenue", type: "currency" }),
        field({ name: "NumberOfEmployees", type: "int", label: "Employees" }),
        field({ name: "IsConverted", type: "boolean", label: "Converted", ...readOnly, nillable: false, defaultedOnCreate: true }),
        field({ name: "ConvertedDate", type: "date", ...readOnly }),
        ref("ConvertedAccountId", ["Account"], { label: "Converted Account ID", ...readOnly }),
        ref("ConvertedContactId", ["Contact"], { label: "Converted Contact ID", ...readOnly }),
        ref("ConvertedOpportunityId", ["Opportunity"], { label: "Converted Opportunity ID", ...readOnly }),
        field({ name: "IsUnreadByOwner", type: "boolean", label: "Unread By Owner", nillable: false, defaultedOnCreate: true }),
        ...personOutreach(),
      ],
    },
    {
      name: "Opportunity",
      label: "Opportunity",
      labelPlural: "Opportunities",
      keyPrefix: KEY_PREFIX.Opportunity,
      mergeable: false,
      fields: [
        ...auditFields({ deletable: true, owned: true, mergeable: false }),
        ref("AccountId", ["Account"], { label: "Account ID", cascadeDelete: true }),
        name("Name", { length: 120 }),
        field({ name: "Description", type: "textarea" }),
        picklist("StageName", STAGES, { label: "Stage", nillable: false }),
        field({ name: "Amount", type: "currency" }),
        field({ name: "Probability", type: "percent", label: "Probability (%)" }),
        field({ name: "CloseDate", type: "date", nillable: false }),
        picklist("Type", ["Existing Customer - Upgrade", "New Customer"], { label: "Opportunity Type" }),
        picklist("LeadSource", LEAD_SOURCES),
        field({ name: "IsClosed", type: "boolean", label: "Closed", ...readOnly, nillable: false, defaultedOnCreate: true }),
        field({ name: "IsWon", type: "boolean", label: "Won", ...readOnly, nillable: false, defaultedOnCreate: true }),
        ref("CampaignId", ["Campaign"], { label: "Campaign ID" }),
        ref("RecordTypeId", ["RecordType"], { label: "Record Type ID" }),
        field({ name: "NextStep", type: "string", length: 255 }),
        field({ name: "ExpectedRevenue", type: "currency", label: "Expected Amount", ...readOnly, calculated: true }),
        field({ name: "TotalOpportunityQuantity", type: "double", label: "Quantity", precision: 18, scale: 2 }),
        picklist("ForecastCategoryName", ["Omitted", "Pipeline", "Best Case", "Commit", "Closed"], { label: "Forecast Category" }),
        field({ name: "HasOpportunityLineItem", type: "boolean", label: "Has Line Item", ...readOnly, nillable: false, defaultedOnCreate: true }),
        field({ name: "LastActivityDate", type: "date", label: "Last Activity", ...readOnly }),
        field({ name: "FiscalQuarter", type: "int", label: "Fiscal Quarter", ...readOnly, precision: 1 }),
        field({ name: "FiscalYear", type: "int", label: "Fiscal Year", ...readOnly, precision: 4 }),
      ],
    },
    {
      name: "OpportunityContactRole",
      label: "Opportunity Contact Role",
      labelPlural: "Opportunity Contact Role",
      keyPrefix: KEY_PREFIX.OpportunityContactRole,
      mergeable: false,
      fields: [
        ...auditFields({ deletable: true, owned: false, mergeable: false }),
        ref("OpportunityId", ["Opportunity"], { label: "Opportunity ID", nillable: false, updateable: false, cascadeDelete: true }),
        ref("ContactId", ["Contact"], { label: "Contact ID", nillable: false, cascadeDelete: true }),
        picklist("Role", ["Business User", "Decision Maker", "Economic Buyer", "Technical Buyer", "Influencer"]),
        field({ name: "IsPrimary", type: "boolean", label: "Primary", nillable: false, defaultedOnCreate: true }),
      ],
    },
    {
      name: "Campaign",
      label: "Campaign",
      labelPlural: "Campaigns",
      keyPrefix: KEY_PREFIX.Campaign,
      mergeable: false,
      fields: [
        ...auditFields({ deletable: true, owned: true, mergeable: false }),
        name("Name", { length: 80, label: "Campaign Name" }),
        picklist("Type", ["Conference", "Webinar", "Email", "Advertisement", "Other"]),
        picklist("Status", ["Planned", "In Progress", "Completed", "Aborted"]),
        field({ name: "StartDate", type: "date" }),
        field({ name: "EndDate", type: "date" }),
        field({ name: "IsActive", type: "boolean", label: "Active", nillable: false, defaultedOnCreate: true }),
        field({ name: "BudgetedCost", type: "currency" }),
        field({ name: "ActualCost", type: "currency" }),
        ref("ParentId", ["Campaign"], { label: "Parent Campaign ID", relationshipName: "Parent" }),
        field({ name: "Description", type: "textarea" }),
        field({ name: "ExpectedRevenue", type: "currency", label: "Expected Revenue in Campaign" }),
        field({ name: "NumberSent", type: "double", label: "Num Sent in Campaign", precision: 18, scale: 0 }),
        field({ name: "NumberOfLeads", type: "int", label: "Leads in Campaign", ...readOnly }),
        field({ name: "NumberOfContacts", type: "int", label: "Contacts in Campaign", ...readOnly }),
        field({ name: "LastActivityDate", type: "date", label: "Last Activity", ...readOnly }),
      ],
    },
    {
      name: "CampaignMember",
      label: "Campaign Member",
      labelPlural: "Campaign Members",
      keyPrefix: KEY_PREFIX.CampaignMember,
      mergeable: false,
      fields: [
        ...auditFields({ deletable: true, owned: false, mergeable: false }),
        ref("CampaignId", ["Campaign"], { label: "Campaign ID", nillable: false, updateable: false, cascadeDelete: true }),
        ref("LeadId", ["Lead"], { label: "Lead ID", updateable: false, cascadeDelete: true }),
        ref("ContactId", ["Contact"], { label: "Contact ID", updateable: false, cascadeDelete: true }),
        picklist("Status", ["Planned", "Sent", "Responded"]),
        field({ name: "HasResponded", type: "boolean", label: "Responded", ...readOnly, nillable: false, defaultedOnCreate: true }),
        field({ name: "FirstRespondedDate", type: "date", ...readOnly }),
      ],
    },
    {
      name: "RecordType",
      label: "Record Type",
      labelPlural: "Record Types",
      keyPrefix: KEY_PREFIX.RecordType,
      mergeable: false,
      operations: { create: true, update: true, delete: false },
      fields: [
        ...auditFields({ deletable: false, owned: false, mergeable: false }),
        name("Name", { length: 80, label: "Record Type Label" }),
        field({ name: "DeveloperName", type: "string", length: 80, label: "Record Type Name", nillable: false }),
        field({ name: "NamespacePrefix", type: "string", length: 15, ...readOnly }),
        field({ name: "Description", type: "string", length: 255 }),
        field({ name: "BusinessProcessId", type: "string", length: 18, label: "Business Process ID" }),
        picklist("SobjectType", ["Account", "Opportunity", "Case"], { label: "SObject Type Name", nillable: false, updateable: false }),
        field({ name: "IsActive", type: "boolean", label: "Active", nillable: false, defaultedOnCreate: true }),
        field({ name: "IsPersonType", type: "boolean", label: "Is Person Type", ...readOnly, nillable: false }),
      ],
    },
    {
      name: "Case",
      label: "Case",
      labelPlural: "Cases",
      keyPrefix: KEY_PREFIX.Case,
      mergeable: true,
      fields: [
        ...auditFields({ deletable: true, owned: true, mergeable: true }),
        field({ name: "CaseNumber", type: "string", length: 30, label: "Case Number", nameField: true, ...readOnly, nillable: false, defaultedOnCreate: true }),
        ref("ContactId", ["Contact"], { label: "Contact ID" }),
        ref("AccountId", ["Account"], { label: "Account ID", cascadeDelete: true }),
        ref("ParentId", ["Case"], { label: "Parent Case ID", relationshipName: "Parent" }),
        ref("RecordTypeId", ["RecordType"], { label: "Record Type ID" }),
        field({ name: "SuppliedName", type: "string", length: 80, label: "Name" }),
        field({ name: "SuppliedEmail", type: "email", label: "Email Address" }),
        field({ name: "SuppliedPhone", type: "string", length: 40, label: "Phone" }),
        field({ name: "SuppliedCompany", type: "string", length: 80, label: "Company" }),
        picklist("Type", ["Mechanical", "Electrical", "Electronic", "Structural", "Other"], { label: "Case Type" }),
        picklist("Status", ["New", "Working", "Escalated", "Closed"], { nillable: false, defaultedOnCreate: true }),
        picklist("Reason", ["Installation", "Equipment Complexity", "Performance", "Breakdown", "Equipment Design", "Feedback", "Other"], {
          label: "Case Reason",
        }),
        picklist("Origin", ["Phone", "Email", "Web"], { label: "Case Origin" }),
        field({ name: "Subject", type: "string", length: 255 }),
        picklist("Priority", ["High", "Medium", "Low"]),
        field({ name: "Description", type: "textarea" }),
        field({ name: "IsClosed", type: "boolean", label: "Closed", ...readOnly, nillable: false, defaultedOnCreate: true }),
        field({ name: "ClosedDate", type: "datetime", label: "Closed Date", ...readOnly }),
        field({ name: "IsEscalated", type: "boolean", label: "Escalated", nillable: false, defaultedOnCreate: true }),
      ],
    },
    activity("Task"),
    activity("Event"),
  ];
}

/** Task and Event: activities hang off a person (WhoId) and a record (WhatId) and go when either is deleted. */
function activity(kind: "Task" | "Event"): ObjectDef {
  const common = [
    ...auditFields({ deletable: true, owned: true, mergeable: false }),
    ref("WhoId", ["Contact", "Lead"], { label: "Name ID", relationshipName: "Who", cascadeDelete: true }),
    ref("WhatId", ["Account", "Opportunity", "Campaign", "Case"], { label: "Related To ID", relationshipName: "What", cascadeDelete: true }),
    field({ name: "Subject", type: "string", length: 255, nameField: true }),
    field({ name: "ActivityDate", type: "date", label: kind === "Task" ? "Due Date Only" : "Due Date Only" }),
    field({ name: "Description", type: "textarea" }),
    field({ name: "IsReminderSet", type: "boolean", label: "Reminder Set", nillable: false, defaultedOnCreate: true }),
    field({ name: "ReminderDateTime", type: "datetime", label: "Reminder Date/Time" }),
    field({ name: "IsArchived", type: "boolean", label: "Archived", ...readOnly, nillable: false, defaultedOnCreate: true }),
  ];
  if (kind === "Task") {
    return {
      name: "Task",
      label: "Task",
      labelPlural: "Tasks",
      keyPrefix: KEY_PREFIX.Task,
      mergeable: false,
      fields: [
        ...common,
        picklist("Status", ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"], { nillable: false, defaultedOnCreate: true }),
        picklist("Priority", ["High", "Normal", "Low"], { nillable: false, defaultedOnCreate: true }),
        field({ name: "IsHighPriority", type: "boolean", label: "High Priority", ...readOnly, nillable: false, defaultedOnCreate: true }),
        field({ name: "IsClosed", type: "boolean", label: "Closed", ...readOnly, nillable: false, defaultedOnCreate: true }),
        picklist("TaskSubtype", ["Task", "Email", "Call"], { label: "Task Subtype", updateable: false }),
        field({ name: "CallDurationInSeconds", type: "int", label: "Call Duration", precision: 8 }),
        picklist("CallType", ["Internal", "Inbound", "Outbound"]),
        field({ name: "CompletedDateTime", type: "datetime", label: "Completed Date/Time", ...readOnly }),
      ],
    };
  }
  return {
    name: "Event",
    label: "Event",
    labelPlural: "Events",
    keyPrefix: KEY_PREFIX.Event,
    mergeable: false,
    fields: [
      ...common,
      field({ name: "Location", type: "string", length: 255 }),
      field({ name: "IsAllDayEvent", type: "boolean", label: "All-Day Event", nillable: false, defaultedOnCreate: true }),
      field({ name: "ActivityDateTime", type: "datetime", label: "Due Date Time" }),
      field({ name: "DurationInMinutes", type: "int", label: "Duration", precision: 8 }),
      field({ name: "StartDateTime", type: "datetime", label: "Start Date Time" }),
      field({ name: "EndDateTime", type: "datetime", label: "End Date Time" }),
      picklist("ShowAs", ["Busy", "OutOfOffice", "Free"], { label: "Show Time As" }),
      field({ name: "IsPrivate", type: "boolean", label: "Private", nillable: false, defaultedOnCreate: true }),
      picklist("EventSubtype", ["Event"], { label: "Event Subtype", updateable: false }),
    ],
  };
}

export const OBJECT_NAMES = [
  "Organization",
  "User",
  "RecordType",
  "Account",
  "Contact",
  "Lead",
  "Opportunity",
  "OpportunityContactRole",
  "Campaign",
  "CampaignMember",
  "Case",
  "Task",
  "Event",
] as const;
export type ObjectName = (typeof OBJECT_NAMES)[number];

/** Custom fields of the default org: exercise externalId upsert, FLS hiding, multipicklists. */
export const DEFAULT_CUSTOM_FIELDS: Record<string, FieldSpec[]> = {
  Account: [{ name: "ExternalKey__c", type: "string", length: 40, externalId: true, unique: true, label: "External Key" }],
  Contact: [{ name: "ExternalKey__c", type: "string", length: 40, externalId: true, unique: true, label: "External Key" }],
  Lead: [
    { name: "ExternalKey__c", type: "string", length: 40, externalId: true, unique: true, label: "External Key" },
    { name: "Score__c", type: "double", precision: 5, scale: 1, label: "Score" },
    { name: "Interests__c", type: "multipicklist", picklistValues: ["Analytics", "Cloud", "Security", "Mobile"], label: "Interests" },
    { name: "Secret__c", type: "string", length: 80, label: "Secret" },
  ],
};

export class Schema {
  readonly objects = new Map<string, ObjectDef>();
  private readonly byLower = new Map<string, ObjectDef>();

  constructor(customFields: Record<string, FieldSpec[]>) {
    for (const o of standardObjects()) {
      for (const spec of customFields[o.name] ?? []) o.fields.push(field({ ...spec, custom: true }));
      const master = o.fields.find((f) => f.name === "MasterRecordId");
      if (master) master.referenceTo = [o.name];
      this.objects.set(o.name, o);
      this.byLower.set(o.name.toLowerCase(), o);
    }
  }

  object(name: string): ObjectDef | undefined {
    return this.byLower.get(name.toLowerCase());
  }

  objectByPrefix(prefix: string): ObjectDef | undefined {
    for (const o of this.objects.values()) if (o.keyPrefix === prefix) return o;
    return undefined;
  }

  static field(o: ObjectDef, name: string): FieldDef | undefined {
    const lower = name.toLowerCase();
    return o.fields.find((f) => f.name.toLowerCase() === lower);
  }

  static relationship(o: ObjectDef, relName: string): FieldDef | undefined {
    const lower = relName.toLowerCase();
    return o.fields.find((f) => f.relationshipName?.toLowerCase() === lower);
  }

  childRelationships(o: ObjectDef): { childSObject: string; field: string; relationshipName: string | null; cascadeDelete: boolean }[] {
    const out: { childSObject: string; field: string; relationshipName: string | null; cascadeDelete: boolean }[] = [];
    for (const child of this.objects.values()) {
      for (const f of child.fields) {
        if (
          f.type === "reference" &&
          f.referenceTo.includes(o.name) &&
          !f.name.startsWith("Converted") &&
          !["MasterRecordId", "CreatedById", "LastModifiedById", "RecordTypeId", "ReportsToId"].includes(f.name)
        ) {
          out.push({
            childSObject: child.name,
            field: f.name,
            relationshipName: childRelationshipName(child.name, f.name),
            cascadeDelete: f.cascadeDelete === true,
          });
        }
      }
    }
    return out;
  }
}

function childRelationshipName(child: string, fieldName: string): string | null {
  const plural: Record<string, string> = {
    Contact: "Contacts",
    Opportunity: "Opportunities",
    OpportunityContactRole: "OpportunityContactRoles",
    CampaignMember: "CampaignMembers",
    Account: "ChildAccounts",
    Campaign: "ChildCampaigns",
    Lead: "Leads",
    Case: "Cases",
    Task: "Tasks",
    Event: "Events",
  };
  if (fieldName === "ParentId") return plural[child] ?? null;
  if (fieldName === "OwnerId") return null;
  return plural[child] ?? null;
}
