import { decodeId, makeId } from "../ids";
import { Timeline, type GeneratedTable, type Value } from "./generator";
import type { ObjectDef } from "../schema";

/** A record that differs from (or is absent in) the generator: created, updated or deleted through the API. */
export interface StoredRecord {
  counter: number;
  v: Record<string, Value>;
  /** Hard-deleted or emptied from the recycle bin: invisible even to queryAll. */
  purged?: boolean;
  /** Id of the record whose deletion cascaded to this one; undeleting that record restores this one. */
  cascadeOf?: string;
}

/** Generated rows are referenced by index (no allocation); overlay rows by their record. */
export type RowRef = number | StoredRecord;

export type SortKey = "Id" | "SystemModstamp" | "LastModifiedDate" | "CreatedDate";

export class SObjectTable {
  readonly overlay = new Map<number, StoredRecord>();
  nextCounter: number;
  version = 0;
  private sortedCache = new Map<SortKey, { version: number; rows: StoredRecord[] }>();
  private fkCache = new Map<string, { version: number; index: Map<string, RowRef[]> }>();
  /** Generated rows by parent id per reference field; generated values never change, so it is built once. */
  private generatedFk = new Map<string, Map<string, number[]>>();

  constructor(
    public def: ObjectDef,
    public gen: GeneratedTable,
  ) {
    this.nextCounter = gen.count + 1;
  }

  get generatedCount(): number {
    return this.gen.count;
  }

  reader(fieldName: string): (ref: RowRef) => Value {
    const def = this.def.fields.find((f) => f.name === fieldName);
    if (def?.type === "address") return this.addressReader(def.addressPrefix ?? "");
    const g = this.gen.fields.get(fieldName);
    const generated = def?.generated !== false && g !== undefined;
    if (generated) return (ref) => (typeof ref === "number" ? g!(ref) : (ref.v[fieldName] ?? null));
    return (ref) => (typeof ref === "number" ? null : (ref.v[fieldName] ?? null));
  }

  /**
   * A compound address as the JSON text Salesforce returns (keys in its order), or null when every
   * component is empty. Kept as text so a row's values stay scalars.
   */
  private addressReader(prefix: string): (ref: RowRef) => Value {
    const parts = (["City", "Country", "GeocodeAccuracy", "Latitude", "Longitude", "PostalCode", "State", "Street"] as const).map(
      (p) => [p.charAt(0).toLowerCase() + p.slice(1), this.reader(`${prefix}${p}`)] as const,
    );
    return (ref) => {
      const out: Record<string, Value> = {};
      let any = false;
      for (const [key, read] of parts) {
        const v = read(ref);
        if (v !== null) any = true;
        out[key] = v;
      }
      return any ? JSON.stringify(out) : null;
    };
  }

  read(ref: RowRef, fieldName: string): Value {
    return this.reader(fieldName)(ref);
  }

  /** Current row for an id, deleted rows included; undefined when absent or purged. */
  rowById(id18: string): RowRef | undefined {
    const d = decodeId(id18);
    if (!d || d.prefix !== this.def.keyPrefix) return undefined;
    const stored = this.overlay.get(d.counter);
    if (stored) return stored.purged ? undefined : stored;
    if (d.counter >= 1 && d.counter <= this.gen.count) return d.counter - 1;
    return undefined;
  }

  isDeleted(ref: RowRef): boolean {
    return typeof ref !== "number" && ref.v.IsDeleted === true;
  }

  counterOf(ref: RowRef): number {
    return typeof ref === "number" ? ref + 1 : ref.counter;
  }

  /** A full copy of a row's values, for writing a changed version into the overlay. */
  materialize(ref: RowRef): StoredRecord {
    if (typeof ref !== "number") return { counter: ref.counter, v: { ...ref.v } };
    const v: Record<string, Value> = {};
    for (const f of this.def.fields) if (f.type !== "address") v[f.name] = this.read(ref, f.name);
    return { counter: ref + 1, v };
  }

  allocateId(): { counter: number; id: string } {
    const counter = this.nextCounter++;
    return { counter, id: makeId(this.def.keyPrefix, counter) };
  }

  put(rec: StoredRecord): void {
    this.overlay.set(rec.counter, rec);
    this.version++;
  }

  isOverlaid(i: number): boolean {
    return this.overlay.has(i + 1);
  }

  /** Overlay rows sorted by (key, Id), cached until the next write. */
  overlaySorted(key: SortKey): StoredRecord[] {
    const hit = this.sortedCache.get(key);
    if (hit && hit.version === this.version) return hit.rows;
    const rows = [...this.overlay.values()].filter((r) => !r.purged);
    rows.sort((a, b) => {
      if (key !== "Id") {
        const x = a.v[key] as number;
        const y = b.v[key] as number;
        if (x !== y) return x - y;
      }
      return a.counter - b.counter;
    });
    this.sortedCache.set(key, { version: this.version, rows });
    return rows;
  }

  /** Rows by the parent id in a reference field, for child subqueries; rebuilt after writes. */
  fkIndex(fieldName: string): Map<string, RowRef[]> {
    const hit = this.fkCache.get(fieldName);
    if (hit && hit.version === this.version) return hit.index;
    const index = new Map<string, RowRef[]>();
    const read = this.reader(fieldName);
    const add = (ref: RowRef) => {
      const v = read(ref);
      if (v === null) return;
      const list = index.get(v as string);
      if (list) list.push(ref);
      else index.set(v as string, [ref]);
    };
    for (let i = 0; i < this.gen.count; i++) if (!this.overlay.has(i + 1)) add(i);
    for (const rec of this.overlay.values()) if (!rec.purged) add(rec);
    this.fkCache.set(fieldName, { version: this.version, index });
    return index;
  }

  /** Live rows whose reference field holds id: for cascade deletes, without rescanning generated rows per delete. */
  liveChildren(fieldName: string, id: string): RowRef[] {
    let index = this.generatedFk.get(fieldName);
    if (!index) {
      index = new Map();
      const read = this.reader(fieldName);
      for (let i = 0; i < this.gen.count; i++) {
        const v = read(i);
        if (v === null) continue;
        const list = index.get(v as string);
        if (list) list.push(i);
        else index.set(v as string, [i]);
      }
      this.generatedFk.set(fieldName, index);
    }
    const out: RowRef[] = (index.get(id) ?? []).filter((i) => !this.isOverlaid(i));
    for (const rec of this.overlay.values()) if (!rec.purged && rec.v.IsDeleted !== true && rec.v[fieldName] === id) out.push(rec);
    return out;
  }

  /** Monotonic key of generated row i; generated rows are already sorted by every SortKey. */
  generatedKey(key: SortKey): (i: number) => number {
    const t = this.gen.timeline;
    if (key === "Id") return (i) => i + 1;
    if (key === "CreatedDate") return (i) => t.created(i);
    return (i) => t.modstamp(i);
  }

  /** Index range [lo, hi) of generated rows whose key satisfies `key op value`. */
  generatedRange(key: SortKey, op: string, value: number): [number, number] {
    const n = this.gen.count;
    const fn = this.generatedKey(key);
    const lower = () => Timeline.search(n, fn, value, false);
    const upper = () => Timeline.search(n, fn, value, true);
    switch (op) {
      case ">":
        return [upper(), n];
      case ">=":
        return [lower(), n];
      case "<":
        return [0, lower()];
      case "<=":
        return [0, upper()];
      case "=":
        return [lower(), upper()];
      default:
        return [0, n];
    }
  }
}
