import { formatDateTime } from "../time";
import { WriteFailure, type OrgUser } from "../data/org";
import { convertLead, mergeRecords, Tx, undeleteRecord, updateRecord } from "../data/writes";
import { setWriteClient } from "../cdc/capture";
import type { EmulatorContext } from "./context";
import type { Res } from "./http";

/** The part of the SOAP partner API jsforce exposes as `conn.soap.*` that has no REST equivalent. */
export const SOAP_OPERATIONS = ["convertLead", "merge", "undelete", "getServerTimestamp", "getUserInfo"] as const;

export const xmlEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
export const xmlUnescape = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");

export function soapFault(code: string, message: string, exceptionType = "UnexpectedErrorFault"): Res {
  const body = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:${code}</faultcode><faultstring>${xmlEscape(`${code}: ${message}`)}</faultstring><detail><sf:${exceptionType} xsi:type="sf:${exceptionType}"><sf:exceptionCode>${code}</sf:exceptionCode><sf:exceptionMessage>${xmlEscape(message)}</sf:exceptionMessage></sf:${exceptionType}></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
  return { status: 500, headers: { "Content-Type": "text/xml;charset=UTF-8" }, body };
}

export function soapOk(inner: string): Res {
  return {
    status: 200,
    headers: { "Content-Type": "text/xml;charset=UTF-8" },
    body: `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>${inner}</soapenv:Body></soapenv:Envelope>`,
  };
}

/** Every `<name>…</name>` block (namespace prefixes ignored), in document order. */
export function blocks(xml: string, name: string): string[] {
  const re = new RegExp(`<(?:\\w+:)?${name}(?:\\s[^>]*)?>([\\s\\S]*?)</(?:\\w+:)?${name}>`, "g");
  return [...xml.matchAll(re)].map((m) => m[1]!);
}

/** Leaf elements of a block as a flat object; repeated names collect into arrays. */
function leaves(xml: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const m of xml.matchAll(/<(?:\w+:)?(\w+)(?:\s[^>]*)?>([^<]*)<\/(?:\w+:)?\1>/g)) {
    const key = m[1]!;
    const value = xmlUnescape(m[2]!);
    const prev = out[key];
    out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return out;
}

const el = (name: string, value: string | null | boolean) => (value === null ? `<${name} xsi:nil="true"/>` : `<${name}>${xmlEscape(String(value))}</${name}>`);
const errorsXml = (e: WriteFailure) =>
  `<errors>${e.fields.map((f) => el("fields", f)).join("")}${el("message", e.message)}${el("statusCode", e.statusCode)}</errors>`;

/** Runs one item in its own transaction: SOAP batch calls report per-item errors. */
function each<T>(ctx: EmulatorContext, items: T[], run: (tx: Tx, item: T) => string, failed: (item: T, e: WriteFailure) => string): string {
  return items
    .map((item) => {
      const tx = new Tx(ctx.org);
      try {
        return `<result>${run(tx, item)}</result>`;
      } catch (e) {
        tx.rollback();
        if (!(e instanceof WriteFailure)) throw e;
        return `<result>${failed(item, e)}</result>`;
      }
    })
    .join("");
}

export function soapOperation(ctx: EmulatorContext, user: OrgUser, op: (typeof SOAP_OPERATIONS)[number], body: string): Res {
  const client = leaves(blocks(body, "CallOptions")[0] ?? "").client;
  if (typeof client === "string") setWriteClient(client);
  const call = blocks(body, op)[0] ?? "";
  switch (op) {
    case "convertLead": {
      const items = blocks(call, "leadConverts").map(leaves);
      return soapOk(
        `<convertLeadResponse>${each(
          ctx,
          items,
          (tx, c) => {
            const out = convertLead(tx, user, String(c.leadId ?? ""), {
              accountId: (c.accountId as string | undefined) || undefined,
              contactId: (c.contactId as string | undefined) || undefined,
              doNotCreateOpportunity: c.doNotCreateOpportunity === "true",
              opportunityName: (c.opportunityName as string | undefined) || undefined,
              convertedStatus: (c.convertedStatus as string | undefined) || undefined,
            });
            return (
              el("accountId", out.accountId) +
              el("contactId", out.contactId) +
              el("leadId", out.leadId) +
              el("opportunityId", out.opportunityId) +
              el("success", true)
            );
          },
          (c, e) =>
            el("accountId", null) +
            el("contactId", null) +
            errorsXml(e) +
            el("leadId", String(c.leadId ?? "")) +
            el("opportunityId", null) +
            el("success", false),
        )}</convertLeadResponse>`,
      );
    }
    case "merge": {
      const requests = blocks(call, "mergeRequests");
      return soapOk(
        `<mergeResponse>${each(
          ctx,
          requests,
          (tx, r) => {
            const master = leaves(blocks(r, "masterRecord")[0] ?? "");
            const losers = [leaves(r).recordToMergeIds ?? []].flat();
            const { type: _type, Id, ...changes } = master;
            const out = mergeRecords(tx, user, String(Id ?? ""), losers);
            if (Object.keys(changes).length) updateRecord(tx, user, undefined, out.id, changes, "csv");
            return (
              el("id", out.id) +
              out.mergedRecordIds.map((id) => el("mergedRecordIds", id)).join("") +
              el("success", true) +
              out.updatedRelatedIds.map((id) => el("updatedRelatedIds", id)).join("")
            );
          },
          (r, e) => errorsXml(e) + el("id", String(leaves(blocks(r, "masterRecord")[0] ?? "").Id ?? "")) + el("success", false),
        )}</mergeResponse>`,
      );
    }
    case "undelete": {
      const ids = blocks(call, "ids").map(xmlUnescape);
      return soapOk(
        `<undeleteResponse>${each(
          ctx,
          ids,
          (tx, id) => el("id", undeleteRecord(tx, user, id)) + el("success", true),
          (id, e) => errorsXml(e) + el("id", id) + el("success", false),
        )}</undeleteResponse>`,
      );
    }
    case "getServerTimestamp":
      return soapOk(
        `<getServerTimestampResponse><result>${el("timestamp", formatDateTime(ctx.org.now()).replace("+0000", "Z"))}</result></getServerTimestampResponse>`,
      );
    case "getUserInfo":
      return soapOk(
        `<getUserInfoResponse><result>${el("accessibilityMode", false)}${el("currencySymbol", "$")}${el("orgDefaultCurrencyIsoCode", "USD")}${el("organizationId", ctx.org.id)}${el("organizationName", ctx.org.name)}${el("userEmail", user.email)}${el("userFullName", user.displayName)}${el("userId", user.id)}${el("userLanguage", "en_US")}${el("userLocale", "en_US")}${el("userName", user.username)}${el("userTimeZone", "GMT")}${el("userType", "Standard")}</result></getUserInfoResponse>`,
      );
  }
}
