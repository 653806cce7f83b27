import type { Org, OrgUser } from "../data/org";
import type { FieldDef, ObjectDef } from "../schema";
import { RECORD_TYPES } from "../data/generator";
import { KEY_PREFIX, makeId } from "../ids";

const SOAP_TYPE: Record<string, string> = {
  id: "tns:ID",
  reference: "tns:ID",
  string: "xsd:string",
  textarea: "xsd:string",
  email: "xsd:string",
  phone: "xsd:string",
  url: "xsd:string",
  picklist: "xsd:string",
  multipicklist: "xsd:string",
  boolean: "xsd:boolean",
  int: "xsd:int",
  double: "xsd:double",
  currency: "xsd:double",
  percent: "xsd:double",
  date: "xsd:date",
  datetime: "xsd:dateTime",
  address: "urn:address",
};

function sobjectFlags(def: ObjectDef, version: string) {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  const isUser = def.name === "User";
  const ops = def.operations ?? { create: true, update: true, delete: !isUser };
  const isOrg = def.name === "Organization";
  return {
    activateable: false,
    associateEntityType: null,
    associateParentEntity: null,
    createable: ops.create,
    custom: false,
    customSetting: false,
    deepCloneable: false,
    deletable: ops.delete,
    deprecatedAndHidden: false,
    feedEnabled: !["OpportunityContactRole", "CampaignMember", "Organization"].includes(def.name),
    hasSubtypes: false,
    isInterface: false,
    isSubtype: false,
    keyPrefix: def.keyPrefix,
    label: def.label,
    labelPlural: def.labelPlural,
    layoutable: !isOrg,
    mergeable: def.mergeable,
    mruEnabled: !isOrg,
    name: def.name,
    queryable: true,
    replicateable: !isOrg,
    retrieveable: true,
    searchable: !isOrg,
    triggerable: !isOrg,
    undeletable: ops.delete,
    updateable: ops.update,
    urls: {
      compactLayouts: `${base}/describe/compactLayouts`,
      rowTemplate: `${base}/{ID}`,
      approvalLayouts: `${base}/describe/approvalLayouts`,
      describe: `${base}/describe`,
      quickActions: `${base}/quickActions`,
      layouts: `${base}/describe/layouts`,
      sobject: base,
    },
  };
}

export function describeGlobal(org: Org, version: string) {
  return {
    encoding: "UTF-8",
    maxBatchSize: 200,
    sobjects: [...org.schema.objects.values()].map((def) => sobjectFlags(def, version)),
  };
}

function fieldJson(org: Org, user: OrgUser | undefined, def: ObjectDef, f: FieldDef) {
  const readOnly = org.access(user, def.name, f.name) === "read";
  const numeric = ["int", "double", "currency", "percent"].includes(f.type);
  const textual = ["string", "textarea", "email", "phone", "url", "picklist", "multipicklist"].includes(f.type);
  const compound = f.type === "address";
  return {
    aggregatable: f.type !== "textarea" && f.type !== "multipicklist" && !compound,
    aiPredictionField: false,
    autoNumber: f.name === "CaseNumber",
    byteLength: textual || f.type === "id" || f.type === "reference" ? f.length * 3 : 0,
    calculated: f.calculated,
    calculatedFormula: null,
    cascadeDelete: f.cascadeDelete === true,
    caseSensitive: false,
    compoundFieldName: f.compoundFieldName ?? null,
    controllerName: null,
    createable: f.createable && !readOnly,
    custom: f.custom,
    defaultValue: f.type === "boolean" ? false : null,
    defaultValueFormula: null,
    defaultedOnCreate: f.defaultedOnCreate,
    dependentPicklist: false,
    deprecatedAndHidden: false,
    digits: f.type === "int" ? f.precision : 0,
    displayLocationInDecimal: false,
    encrypted: false,
    externalId: f.externalId,
    extraTypeInfo: f.type === "textarea" && f.length > 255 ? "plaintextarea" : null,
    filterable: !compound && (f.type !== "textarea" || f.length <= 255),
    filteredLookupInfo: null,
    formulaTreatNullNumberAsZero: false,
    groupable: !numeric && !compound && f.type !== "textarea" && f.type !== "multipicklist" && f.type !== "datetime",
    highScaleNumber: false,
    htmlFormatted: false,
    idLookup: f.type === "id" || f.externalId || f.name === "Username",
    inlineHelpText: null,
    label: f.label,
    length: textual || f.type === "id" || f.type === "reference" ? f.length : 0,
    mask: null,
    maskType: null,
    name: f.name,
    nameField: f.nameField,
    namePointing: f.referenceTo.length > 1,
    nillable: f.nillable,
    permissionable: f.nillable && !f.calculated && f.type !== "id",
    picklistValues: f.picklistValues.map((value, k) => ({
      active: true,
      defaultValue: k === 0 && f.name === "Status" && def.name === "Lead",
      label: value,
      validFor: null,
      value,
    })),
    polymorphicForeignKey: f.referenceTo.length > 1,
    precision: numeric && f.type !== "int" ? f.precision : 0,
    queryByDistance: false,
    referenceTargetField: null,
    referenceTo: f.referenceTo,
    relationshipName: f.relationshipName,
    relationshipOrder: null,
    restrictedDelete: false,
    restrictedPicklist: false,
    scale: numeric && f.type !== "int" ? f.scale : 0,
    searchPrefilterable: false,
    soapType: SOAP_TYPE[f.type] ?? "xsd:string",
    sortable: !compound && f.type !== "multipicklist" && (f.type !== "textarea" || f.length <= 255),
    type: f.type,
    unique: f.unique,
    updateable: f.updateable && !readOnly,
    writeRequiresMasterRead: false,
  };
}

export function describeSObject(org: Org, user: OrgUser | undefined, def: ObjectDef, version: string) {
  return {
    ...sobjectFlags(def, version),
    actionOverrides: [],
    childRelationships: org.schema.childRelationships(def).map((c) => ({
      cascadeDelete: c.cascadeDelete,
      childSObject: c.childSObject,
      deprecatedAndHidden: false,
      field: c.field,
      junctionIdListNames: [],
      junctionReferenceTo: [],
      relationshipName: c.relationshipName,
      restrictedDelete: false,
    })),
    compactLayoutable: true,
    fields: org.visibleFields(user, def).map((f) => fieldJson(org, user, def, f)),
    listviewable: null,
    lookupLayoutable: null,
    namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: recordTypeInfos(def, version),
    searchLayoutable: true,
    supportedScopes: [
      { label: "All " + def.labelPlural.toLowerCase(), name: "everything" },
      { label: "My " + def.labelPlural.toLowerCase(), name: "mine" },
    ],
  };
}

/** The object's record types (those seeded in RecordType) followed by Master, as describe lists them. */
function recordTypeInfos(def: ObjectDef, version: string) {
  const info = (id: string, developerName: string, name: string, master: boolean, isDefault: boolean) => ({
    active: true,
    available: true,
    defaultRecordTypeMapping: isDefault,
    developerName,
    master,
    name,
    recordTypeId: id,
    urls: { layout: `/services/data/v${version}/sobjects/${def.name}/describe/layouts/${id}` },
  });
  const own = RECORD_TYPES.flatMap((rt, k) => (rt.sobjectType === def.name ? [{ ...rt, id: makeId(KEY_PREFIX.RecordType, k + 1) }] : []));
  return [
    ...own.map((rt, k) => info(rt.id, rt.developerName, rt.name, false, k === 0)),
    info("012000000000000AAA", "Master", "Master", true, own.length === 0),
  ];
}
