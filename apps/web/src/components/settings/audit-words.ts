/** An audit entry as the log lists it. */
export interface AuditEntryView {
  action: string;
  outcome: "success" | "failure" | "denied";
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
}

type Words = (details: Record<string, unknown>, target: string | null) => string;

const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : typeof value === "number" ? String(value) : undefined);
const calls = (value: unknown) => (typeof value === "number" ? `${new Intl.NumberFormat("en-US").format(value)} calls a day` : "no cap of its own");

/** What each recorded action did, as the end of "<member> …". */
const verbs: Record<string, Words> = {
  "tenant.create": () => "created the tenant",
  "invitation.create": (d) => `invited ${text(d.email) ?? "someone"}${text(d.role) ? ` as ${text(d.role)}` : ""}`,
  "invitation.revoke": (d) => `revoked the invitation of ${text(d.email) ?? "someone"}`,
  "invitation.accept": (d) => `accepted the invitation${text(d.role) ? ` as ${text(d.role)}` : ""}`,
  "member.role_change": (d) =>
    `changed ${text(d.subjectName) ?? text(d.email) ?? "a member"}'s role${text(d.from) ? ` from ${text(d.from)}` : ""}${(text(d.to) ?? text(d.role)) ? ` to ${text(d.to) ?? text(d.role)}` : ""}`,
  "member.remove": (d) => `removed ${text(d.subjectName) ?? text(d.email) ?? "a member"} from the tenant`,
  "member.leave": () => "left the tenant",
  "member.transfer_ownership": (d) => `handed ownership to ${text(d.subjectName) ?? "another member"}`,
  "salesforce.auth_type.set": (d) => `chose ${text(d.to) === "oauth" ? "OAuth" : "username and password"} to connect Salesforce`,
  "salesforce.credentials.validate": () => "validated the Salesforce credentials",
  "salesforce.credentials.update": () => "updated the Salesforce credentials",
  "salesforce.credentials.confirm": (d) => `confirmed the credentials, locking Ferry to ${text(d.orgName) ?? text(d.orgId) ?? "the org"}`,
  "salesforce.oauth.start": () => "started logging in to Salesforce (OAuth)",
  "salesforce.oauth.complete": () => "connected Salesforce through OAuth",
  "salesforce.fields.sync": () => "ran Sync Fields",
  "salesforce.mapping.update": (d, target) =>
    `changed the mapping of ${target ?? "a field"}${text(d.ferryField) ? ` to ${text(d.ferryField)}` : ""}${text(d.direction) ? ` (${text(d.direction) === "two_way" ? "two-way" : "pull only"})` : ""}`,
  "salesforce.mapping.break": (_d, target) => `stopped syncing ${target ?? "a field"}`,
  "salesforce.mappings.accept": () => "accepted the initial field mappings",
  "salesforce.sync.start": () => "started the Salesforce sync",
  "salesforce.near_real_time.update": (d) => (d.to ? "turned near-real-time sync on" : "turned near-real-time sync off"),
  "salesforce.api_cap.update": (d) => `set the daily API cap to ${calls(d.to)}${"from" in d ? ` (was ${calls(d.from)})` : ""}`,
  "support.start": () => "opened support access",
  "support.elevate": () => "raised support access to write",
  "support.end": (d) => `ended support access${text(d.why) ? ` (${text(d.why)!.replace(/_/g, " ")})` : ""}`,
  "sync_errors.retry": (d) => `retried ${typeof d.count === "number" ? `${d.count} sync error${d.count === 1 ? "" : "s"}` : "sync errors"}`,
  "sync_errors.ignore": (d) => `ignored ${typeof d.count === "number" ? `${d.count} sync error${d.count === 1 ? "" : "s"}` : "sync errors"}`,
  "record.edit": (d, target) => `edited ${Array.isArray(d.fields) ? d.fields.join(", ") : "fields"} of ${target ?? "a record"}`,
};

/** The target in full: the record or field it names, never cut. */
export function targetOf(entry: Pick<AuditEntryView, "targetType" | "targetId" | "details">): string | null {
  if (!entry.targetType) return null;
  if (entry.targetType === "field_mapping" && entry.targetId) return entry.targetId;
  if (entry.targetType === "salesforce_connection") return text(entry.details?.orgName) ?? entry.targetId ?? "the Salesforce connection";
  if (entry.targetType === "sync_run") return entry.targetId ? `sync run ${entry.targetId}` : "a sync run";
  if (/^[A-Z]/.test(entry.targetType)) return entry.targetId ? `${entry.targetType} ${entry.targetId}` : entry.targetType;
  return entry.targetId ? `${entry.targetType.replace(/_/g, " ")} ${entry.targetId}` : entry.targetType.replace(/_/g, " ");
}

/** "validated the Salesforce credentials"; a refused or failed attempt says so. */
export function describeAction(entry: AuditEntryView): string {
  const words = verbs[entry.action];
  const did = words ? words(entry.details ?? {}, targetOf(entry)) : entry.action.replace(/[._]/g, " ");
  if (entry.outcome === "success") return did;
  return `${entry.outcome === "denied" ? "was refused" : "failed"}: ${did}`;
}
