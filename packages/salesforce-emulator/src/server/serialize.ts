import type { Value } from "../data/generator";
import type { RowRef } from "../data/table";
import type { FieldDef } from "../schema";
import { formatDateTime, formatDateTimeCsv } from "../time";
import type { Column, OutputNode } from "../soql/compile";
import { childRows } from "../soql/execute";

export function jsonValue(f: FieldDef, v: Value): unknown {
  if (v === null) return null;
  if (f.type === "datetime") return formatDateTime(v as number);
  if (f.type === "address") return JSON.parse(v as string) as unknown;
  return v;
}

/** A REST record with nested parent objects as JSON text, built directly: query pages are the hot path of REST paging. */
export function recordJsonWriter(node: OutputNode, version: string): (ref: RowRef) => string {
  const type = node.table.def.name;
  const head = `{"attributes":{"type":${JSON.stringify(type)},"url":${JSON.stringify(`/services/data/v${version}/sobjects/${type}/`).slice(0, -1)}`;
  const idOf = node.table.reader("Id");
  const parts = node.entries.map((e): ((ref: RowRef) => string) => {
    const key = `,${JSON.stringify(e.name)}:`;
    if (e.kind === "children") {
      const child = recordJsonWriter(e.plan.output, version);
      const plan = e.plan;
      return (ref) => {
        const kids = childRows(plan, e.fkField, String(idOf(ref)));
        if (kids.length === 0) return key + "null";
        return `${key}{"totalSize":${kids.length},"done":true,"records":[${kids.map(child).join(",")}]}`;
      };
    }
    if (e.kind === "parent") {
      const child = recordJsonWriter(e.node, version);
      return (ref) => {
        const id = e.fk(ref);
        const parent = id === null ? undefined : e.target.rowById(id as string);
        return key + (parent === undefined ? "null" : child(parent));
      };
    }
    const read = e.read;
    switch (e.field.type) {
      case "datetime":
        return (ref) => {
          const v = read(ref);
          return key + (v === null ? "null" : `"${formatDateTime(v as number)}"`);
        };
      case "boolean":
      case "int":
      case "double":
      case "currency":
      case "percent":
        return (ref) => {
          const v = read(ref);
          return key + (v === null ? "null" : typeof v === "string" ? JSON.stringify(v) : String(v));
        };
      case "address":
        return (ref) => {
          const v = read(ref);
          return key + (v === null ? "null" : (v as string));
        };
      default:
        return (ref) => {
          const v = read(ref);
          return key + (v === null ? "null" : JSON.stringify(v));
        };
    }
  });
  return (ref) => {
    let out = head + String(idOf(ref)) + '"}';
    for (const p of parts) out += p(ref);
    return out + "}";
  };
}

const QUOTE = /"/g;

type CellText = (ref: RowRef) => string;

/** One cell's text, with the type dispatch and quote escaping decided once per column, not per value. */
function cellText(c: Column): CellText {
  const read = c.read;
  switch (c.field.type) {
    case "datetime":
      return (ref) => {
        const v = read(ref);
        return v === null ? "" : formatDateTimeCsv(v as number);
      };
    case "id":
    case "reference":
    case "boolean":
    case "int":
    case "double":
    case "currency":
    case "percent":
    case "date":
      return (ref) => {
        const v = read(ref);
        return v === null ? "" : String(v);
      };
    default:
      return (ref) => {
        const v = read(ref);
        if (v === null) return "";
        const s = String(v);
        return s.includes('"') ? s.replace(QUOTE, '""') : s;
      };
  }
}

/**
 * A Bulk API 2.0 CSV page: every value quoted, nulls as empty strings, header from the SELECT list.
 * Written straight into a Buffer: building one string per row and flattening it cost three times more.
 */
export function csvPage(columns: Column[], rows: RowRef[], start: number, end: number, delimiter: string, lineEnding: string, withHeader = true): Buffer {
  const cells = columns.map(cellText);
  const header = withHeader ? columns.map((c) => `"${c.path}"`).join(delimiter) + lineEnding : "";
  const delimiterByte = delimiter.charCodeAt(0);
  const eol = Buffer.from(lineEnding);
  let buf = Buffer.allocUnsafe(Math.max(64 * 1024, (end - start) * columns.length * 24));
  let pos = buf.write(header, 0);
  const ensure = (extra: number) => {
    if (pos + extra <= buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(buf.length * 2, pos + extra));
    buf.copy(bigger, 0, 0, pos);
    buf = bigger;
  };
  for (let k = start; k < end; k++) {
    const ref = rows[k]!;
    for (let j = 0; j < cells.length; j++) {
      const text = cells[j]!(ref);
      ensure(text.length * 3 + 4);
      if (j > 0) buf[pos++] = delimiterByte;
      buf[pos++] = 34;
      pos += buf.write(text, pos);
      buf[pos++] = 34;
    }
    ensure(2);
    pos += eol.copy(buf, pos);
  }
  return buf.subarray(0, pos);
}

/** The same page in slices, so the client reads the first rows while later ones are still being written. */
export function* csvPageChunks(
  columns: Column[],
  rows: RowRef[],
  start: number,
  end: number,
  delimiter: string,
  lineEnding: string,
  rowsPerChunk = 5_000,
): Generator<Buffer> {
  yield csvPage(columns, rows, start, Math.min(end, start + rowsPerChunk), delimiter, lineEnding, true);
  for (let k = start + rowsPerChunk; k < end; k += rowsPerChunk) {
    yield csvPage(columns, rows, k, Math.min(end, k + rowsPerChunk), delimiter, lineEnding, false);
  }
}

export function csvLine(values: (string | null)[], delimiter = ",", lineEnding = "\n"): string {
  return values.map((v) => `"${(v ?? "").replace(QUOTE, '""')}"`).join(delimiter) + lineEnding;
}
