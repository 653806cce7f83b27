import type { Value } from "../data/generator";
import type { Org } from "../data/org";
import { formatDateTime } from "../time";
import type { AggregateSpec, QueryPlan } from "./compile";
import { scanRows } from "./execute";

interface Accumulator {
  count: number;
  sum: number;
  min: Value;
  max: Value;
  distinct: Set<Value> | undefined;
}

const less = (a: Value, b: Value) => (typeof a === "string" && typeof b === "string" ? a.toLowerCase() < b.toLowerCase() : (a as number) < (b as number));

/** GROUP BY / aggregate functions over the plan's rows, as the REST API's AggregateResult records. */
export function runAggregate(org: Org, plan: QueryPlan & { aggregate: AggregateSpec }, allRows: boolean): Record<string, unknown>[] {
  const { groups, items, order } = plan.aggregate;
  const fns = items.filter((i) => i.kind === "fn");
  const buckets = new Map<string, { key: Value[]; acc: Accumulator[] }>();
  for (const ref of scanRows(org, { ...plan, order: [], fastKey: "Id", fastDesc: false }, { allRows })) {
    const key = groups.map((g) => g.read(ref));
    const id = JSON.stringify(key.map((v) => (typeof v === "string" ? v.toLowerCase() : v)));
    let bucket = buckets.get(id);
    if (!bucket) {
      bucket = { key, acc: fns.map((f) => ({ count: 0, sum: 0, min: null, max: null, distinct: f.fn === "COUNT_DISTINCT" ? new Set() : undefined })) };
      buckets.set(id, bucket);
    }
    fns.forEach((f, k) => {
      const v = f.read(ref);
      if (v === null) return;
      const a = bucket.acc[k]!;
      a.count++;
      if (typeof v === "number") a.sum += v;
      if (a.min === null || less(v, a.min)) a.min = v;
      if (a.max === null || less(a.max, v)) a.max = v;
      a.distinct?.add(typeof v === "string" ? v.toLowerCase() : v);
    });
  }
  // Salesforce answers an ungrouped aggregate with one row even when nothing matched.
  if (groups.length === 0 && buckets.size === 0)
    buckets.set("[]", { key: [], acc: fns.map(() => ({ count: 0, sum: 0, min: null, max: null, distinct: new Set() })) });
  const rows = [...buckets.values()];
  rows.sort((x, y) => {
    for (const o of order) {
      const a = x.key[o.index] ?? null;
      const b = y.key[o.index] ?? null;
      if (a === b) continue;
      if (a === null) return o.nullsFirst ? -1 : 1;
      if (b === null) return o.nullsFirst ? 1 : -1;
      const c = less(a, b) ? -1 : less(b, a) ? 1 : 0;
      if (c) return o.desc ? -c : c;
    }
    return 0;
  });
  const limited = rows.slice(plan.offset, plan.limit === undefined ? undefined : plan.offset + plan.limit);
  const out = (f: { field: { type: string } }, v: Value) => (v !== null && f.field.type === "datetime" ? formatDateTime(v as number) : v);
  return limited.map((row) => {
    const rec: Record<string, unknown> = { attributes: { type: "AggregateResult" } };
    let k = 0;
    for (const item of items) {
      if (item.kind === "group") {
        rec[item.name] = out(groups[item.index]!, row.key[item.index] ?? null);
        continue;
      }
      const a = row.acc[k++]!;
      switch (item.fn) {
        case "COUNT":
          rec[item.name] = a.count;
          break;
        case "COUNT_DISTINCT":
          rec[item.name] = a.distinct?.size ?? 0;
          break;
        case "SUM":
          rec[item.name] = a.count ? a.sum : null;
          break;
        case "AVG":
          rec[item.name] = a.count ? a.sum / a.count : null;
          break;
        case "MIN":
          rec[item.name] = out(item, a.min);
          break;
        case "MAX":
          rec[item.name] = out(item, a.max);
          break;
      }
    }
    return rec;
  });
}
