import { ApiError } from "../errors";
import type { Org, OrgUser } from "../data/org";
import type { RowRef } from "../data/table";
import type { FieldDef } from "../schema";
import { compileQuery } from "../soql/compile";
import { scanRows } from "../soql/execute";
import type { Res } from "./http";
import { recordJsonWriter } from "./serialize";

/** Objects searched when RETURNING is left out, as in an org's default search scope. */
const DEFAULT_SCOPE = ["Account", "Contact", "Lead", "Opportunity", "Campaign", "Case", "User"];
const TEXT_TYPES = new Set(["string", "textarea", "email", "phone", "url", "picklist"]);

const malformed = (message: string) => new ApiError(400, "MALFORMED_SEARCH", message);

interface Returning {
  object: string;
  /** The part inside the parentheses: fields, then WHERE / ORDER BY / LIMIT. */
  clause: string | undefined;
}

/** Splits `RETURNING Account(Id, Name WHERE …), Contact` at top-level commas. */
function parseReturning(text: string): Returning[] {
  const out: Returning[] = [];
  let depth = 0;
  let start = 0;
  const push = (part: string) => {
    const m = /^\s*(\w+)\s*(?:\(([\s\S]*)\))?\s*$/.exec(part);
    if (!m) throw malformed(`Invalid RETURNING clause: ${part.trim()}`);
    out.push({ object: m[1]!, clause: m[2] });
  };
  for (let k = 0; k < text.length; k++) {
    const ch = text[k];
    if (ch === "(") depth++;
    else if (ch === ")") depth--;
    else if (ch === "," && depth === 0) {
      push(text.slice(start, k));
      start = k + 1;
    }
  }
  push(text.slice(start));
  return out;
}

/** The search term as a test over text: words all present (AND), `*` and `?` wildcards, case-insensitive. */
function termMatcher(term: string): (text: string) => boolean {
  const words = term
    .replace(/["()]/g, " ")
    .split(/\s+/)
    .filter((w) => w && !/^(AND|OR|AND NOT)$/i.test(w));
  if (!words.length || words.every((w) => w.replace(/[*?]/g, "").length < 2)) throw malformed("search term must be longer than one character");
  const patterns = words.map(
    (w) =>
      new RegExp(
        w
          .replace(/[.+^${}()|[\]\\]/g, "\\$&")
          .replace(/\*/g, ".*")
          .replace(/\?/g, "."),
        "i",
      ),
  );
  return (text) => patterns.every((p) => p.test(text));
}

function searchedFields(org: Org, user: OrgUser, object: string, scope: string): FieldDef[] {
  const def = org.schema.object(object)!;
  return org.visibleFields(user, def).filter((f) => {
    if (!TEXT_TYPES.has(f.type)) return false;
    if (scope === "NAME") return f.nameField || ["FirstName", "LastName", "Company", "Subject"].includes(f.name);
    if (scope === "EMAIL") return f.type === "email";
    if (scope === "PHONE") return f.type === "phone";
    return true;
  });
}

/**
 * SOSL over `/search?q=FIND {term} [IN ALL|NAME|EMAIL|PHONE FIELDS] [RETURNING Obj(fields [WHERE …]
 * [ORDER BY …] [LIMIT n]), …] [LIMIT n]`: a scan of each object's text fields (no search index, so
 * no relevance ranking; rows come in SOQL order).
 */
export function runSearch(org: Org, user: OrgUser, sosl: string | null, version: string): Res {
  if (!sosl) throw malformed("A search string has to be specified");
  const m = /^\s*FIND\s+(?:\{((?:[^}\\]|\\.)*)\}|'((?:[^'\\]|\\.)*)')\s*([\s\S]*)$/i.exec(sosl);
  if (!m) throw malformed(`line 1:0 no viable alternative at character '${sosl.trim().slice(0, 1)}'`);
  const matches = termMatcher((m[1] ?? m[2] ?? "").replace(/\\(.)/g, "$1"));
  let rest = m[3]!;
  let scope = "ALL";
  const inMatch = /^IN\s+(ALL|NAME|EMAIL|PHONE)\s+FIELDS\s*/i.exec(rest);
  if (inMatch) {
    scope = inMatch[1]!.toUpperCase();
    rest = rest.slice(inMatch[0].length);
  }
  let overallLimit = 2000;
  // A LIMIT after the last RETURNING parentheses limits the whole search.
  const lastParen = rest.lastIndexOf(")");
  const trailing = /\s*LIMIT\s+(\d+)\s*$/i.exec(rest.slice(lastParen + 1));
  if (trailing) {
    overallLimit = Number(trailing[1]);
    rest = rest.slice(0, rest.length - trailing[0].length);
  }
  let returning: Returning[] = DEFAULT_SCOPE.map((object) => ({ object, clause: undefined }));
  const retMatch = /^RETURNING\s+([\s\S]+)$/i.exec(rest.trim());
  if (retMatch) returning = parseReturning(retMatch[1]!);
  else if (rest.trim()) throw malformed(`unexpected token: '${rest.trim().split(/\s+/)[0]}'`);

  const searchRecords: string[] = [];
  for (const r of returning) {
    const def = org.schema.object(r.object);
    if (!def)
      throw new ApiError(
        400,
        "INVALID_TYPE",
        `sObject type '${r.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    const clause = r.clause?.trim() ?? "";
    const fieldPart = /^([\s\S]*?)(\s+(?:WHERE|ORDER\s+BY|LIMIT|OFFSET)\b[\s\S]*)?$/i.exec(clause)!;
    const fields = fieldPart[1]!.trim() || "Id";
    const plan = compileQuery(`SELECT ${fields} FROM ${def.name}${fieldPart[2] ?? ""}`, { org, user });
    const table = plan.table;
    const readers = searchedFields(org, user, def.name, scope).map((f) => table.reader(f.name));
    const write = recordJsonWriter(plan.output, version);
    const perObject = plan.limit ?? Infinity;
    let taken = 0;
    let skipped = 0;
    for (const ref of scanRows(org, plan, { allRows: false }) as Iterable<RowRef>) {
      if (
        !readers.some((read) => {
          const v = read(ref);
          return v !== null && matches(String(v));
        })
      )
        continue;
      if (skipped < plan.offset) {
        skipped++;
        continue;
      }
      if (taken >= perObject || searchRecords.length >= overallLimit) break;
      searchRecords.push(write(ref));
      taken++;
    }
  }
  return {
    status: 200,
    headers: { "Content-Type": "application/json;charset=UTF-8" },
    body: `{"searchRecords":[${searchRecords.join(",")}]}`,
    records: searchRecords.length,
  };
}
