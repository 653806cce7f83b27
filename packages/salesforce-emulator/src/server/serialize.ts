import type { Value } from '../data/generator';
import type { RowRef } from '../data/table';
import type { FieldDef } from '../schema';
import { formatDateTime, formatDateTimeCsv } from '../time';
import type { Column, OutputNode } from '../soql/compile';

export type JsonRecord = Record<string, unknown>;

export function jsonValue(f: FieldDef, v: Value): unknown {
  if (v === null) return null;
  if (f.type === 'datetime') return formatDateTime(v as number);
  return v;
}

/** Builds REST records with nested parent objects, shaped as the query's SELECT list. */
export function recordSerializer(node: OutputNode, version: string): (ref: RowRef) => JsonRecord {
  const type = node.table.def.name;
  const base = `/services/data/v${version}/sobjects/${type}/`;
  const idOf = node.table.reader('Id');
  const parts = node.entries.map((e) => {
    if (e.kind === 'field') return (out: JsonRecord, ref: RowRef) => void (out[e.name] = jsonValue(e.field, e.read(ref)));
    const child = recordSerializer(e.node, version);
    return (out: JsonRecord, ref: RowRef) => {
      const id = e.fk(ref);
      const parent = id === null ? undefined : e.target.rowById(id as string);
      out[e.name] = parent === undefined ? null : child(parent);
    };
  });
  return (ref) => {
    const out: JsonRecord = { attributes: { type, url: base + String(idOf(ref)) } };
    for (const p of parts) p(out, ref);
    return out;
  };
}

export function csvValue(f: FieldDef, v: Value): string {
  if (v === null) return '';
  if (f.type === 'datetime') return formatDateTimeCsv(v as number);
  return String(v);
}

const QUOTE = /"/g;

/** Bulk API 2.0 CSV: every value quoted, nulls as empty strings, header from the SELECT list. */
export function csvWriter(columns: Column[], delimiter: string, lineEnding: string) {
  const header = columns.map((c) => `"${c.path}"`).join(delimiter) + lineEnding;
  const row = (ref: RowRef): string => {
    let line = '';
    for (let k = 0; k < columns.length; k++) {
      const c = columns[k]!;
      const s = csvValue(c.field, c.read(ref));
      line += (k ? delimiter : '') + '"' + (s.includes('"') ? s.replace(QUOTE, '""') : s) + '"';
    }
    return line + lineEnding;
  };
  return { header, row };
}

export function csvLine(values: (string | null)[], delimiter = ',', lineEnding = '\n'): string {
  return values.map((v) => `"${(v ?? '').replace(QUOTE, '""')}"`).join(delimiter) + lineEnding;
}
