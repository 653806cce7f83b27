import type { Value } from "../data/generator";
import type { Org } from "../data/org";
import type { RowRef, StoredRecord } from "../data/table";
import type { QueryPlan } from "./compile";

export interface ScanOptions {
  /** queryAll: include recycle-bin rows (deleted, merged away). */
  allRows: boolean;
}

/**
 * Matching rows in the requested order. When the order follows the generated index (Id, CreatedDate,
 * SystemModstamp), generated rows are streamed from an index range and merged with the small sorted
 * overlay, so keyset pages over millions of rows cost O(page) instead of a sort.
 */
export function* scanRows(org: Org, plan: QueryPlan, opts: ScanOptions): Generator<RowRef> {
  const { table, predicate } = plan;
  const visible = (rec: StoredRecord) => !(opts.allRows ? org.isPurged(rec) : rec.v.IsDeleted === true || rec.purged);
  const matches = (ref: RowRef) => predicate === null || predicate(ref);

  if (plan.fastKey) {
    const key = plan.fastKey;
    const genKey = table.generatedKey(key);
    const overlay = table.overlaySorted(key).filter((r) => visible(r) && matches(r));
    const [lo, hi] = plan.range;
    const desc = plan.fastDesc;
    const overlayKey = (r: StoredRecord) => (key === "Id" ? r.counter : (r.v[key] as number));
    // (key, counter) comparison: negative when generated row i sorts before overlay row r.
    const before = (i: number, r: StoredRecord) => {
      const a = genKey(i);
      const b = overlayKey(r);
      return a !== b ? a < b : i + 1 < r.counter;
    };
    let k = desc ? overlay.length - 1 : 0;
    const step = desc ? -1 : 1;
    for (let i = desc ? hi - 1 : lo; desc ? i >= lo : i < hi; i += step) {
      if (table.isOverlaid(i) || !matches(i)) continue;
      while (k >= 0 && k < overlay.length && (desc ? before(i, overlay[k]!) : !before(i, overlay[k]!))) {
        yield overlay[k]!;
        k += step;
      }
      yield i;
    }
    for (; k >= 0 && k < overlay.length; k += step) yield overlay[k]!;
    return;
  }

  const rows: RowRef[] = [];
  const [lo, hi] = plan.range;
  for (let i = lo; i < hi; i++) if (!table.isOverlaid(i) && matches(i)) rows.push(i);
  for (const rec of table.overlay.values()) if (visible(rec) && matches(rec)) rows.push(rec);
  rows.sort(rowComparator(plan));
  yield* rows;
}

/** ORDER BY as a comparator (text compares case-insensitively); ties fall back to creation order. */
export function rowComparator(plan: QueryPlan): (x: RowRef, y: RowRef) => number {
  const keys = plan.order;
  const table = plan.table;
  const cmpValue = (a: Value, b: Value): number => (a === b ? 0 : (a as string | number) < (b as string | number) ? -1 : 1);
  const norm = (v: Value) => (typeof v === "string" ? v.toLowerCase() : v);
  return (x, y) => {
    for (const t of keys) {
      const a = norm(t.read(x));
      const b = norm(t.read(y));
      if (a === b) continue;
      if (a === null) return t.nullsFirst ? -1 : 1;
      if (b === null) return t.nullsFirst ? 1 : -1;
      const c = cmpValue(a, b);
      return t.desc ? -c : c;
    }
    return table.counterOf(x) - table.counterOf(y);
  };
}

/** Children of one parent row for a subquery plan: live rows pointing at it, filtered, ordered, limited. */
export function childRows(plan: QueryPlan, fkField: string, parentId: string): RowRef[] {
  const table = plan.table;
  const candidates = table.fkIndex(fkField).get(parentId) ?? [];
  const rows = candidates.filter((ref) => !table.isDeleted(ref) && (plan.predicate === null || plan.predicate(ref)));
  rows.sort(rowComparator(plan));
  return rows.slice(plan.offset, plan.limit === undefined ? undefined : plan.offset + plan.limit);
}

export interface QueryRows {
  rows: RowRef[];
  totalSize: number;
}

/** Runs a plan to completion: the rows after OFFSET/LIMIT (none for COUNT()) and totalSize. */
export function runQuery(org: Org, plan: QueryPlan, opts: ScanOptions): QueryRows {
  const rows: RowRef[] = [];
  let skipped = 0;
  let total = 0;
  const limit = plan.limit ?? Infinity;
  for (const ref of scanRows(org, plan, opts)) {
    if (skipped < plan.offset) {
      skipped++;
      continue;
    }
    if (total >= limit) break;
    total++;
    if (!plan.isCount) rows.push(ref);
  }
  return { rows, totalSize: total };
}
