import { ApiError } from "../errors";

/** Salesforce's SOQL error layout: the query line, a caret under the offending token, its row and column, then the message. */
export function soqlError(status: number, code: string, soql: string, needle: string | undefined, message: string, from = 0): ApiError {
  let offset = 0;
  if (needle) {
    const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const re = new RegExp(`(^|[^A-Za-z0-9_.])(${escaped})(?![A-Za-z0-9_])`, "i");
    const m = re.exec(soql.slice(from));
    if (m) offset = from + m.index + m[1]!.length;
  }
  const before = soql.slice(0, offset);
  const row = before.split("\n").length;
  const col = offset - (before.lastIndexOf("\n") + 1) + 1;
  const line = soql.split("\n")[row - 1] ?? soql;
  return new ApiError(status, code, `\n${line}\n${" ".repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${message}`);
}
