import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Org } from "../data/org";
import type { SObjectTable, StoredRecord, RowRef } from "../data/table";
import type { Value } from "../data/generator";
import { changeEventSchema, encodeChangeEvent, type EntitySchema } from "./avro";

export type ChangeType = "CREATE" | "UPDATE" | "DELETE" | "UNDELETE" | "GAP_CREATE" | "GAP_UPDATE" | "GAP_DELETE" | "GAP_UNDELETE" | "GAP_OVERFLOW";

export const GAP_TYPES = ["GAP_CREATE", "GAP_UPDATE", "GAP_DELETE", "GAP_UNDELETE"] as const;

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  nulledFields: string[];
  diffFields: string[];
  changedFields: string[];
}

/** One event on the bus: what a subscriber of its entity's topic (or /data/ChangeEvents) receives. */
export interface BusEvent {
  /** Position on the bus; the replay id is its 8-byte big-endian form. */
  seq: number;
  id: string;
  entity: string;
  schemaId: string;
  payload: Buffer;
  /** Org clock (epoch ms) when it was committed; retention counts from here. */
  committedAt: number;
  header: ChangeEventHeader;
}

/** Where a write came from: the API and the client id the caller sent in Sforce-Call-Options. */
export interface WriteScope {
  changeOrigin: string;
  /** Bulk API rows are written one transaction each here; Salesforce saves them 200 to a transaction. */
  bulk: boolean;
}

const scopes = new AsyncLocalStorage<WriteScope>();

/** Runs fn with writes attributed to `scope` (the HTTP layer wraps each request in one). */
export function withWriteScope<T>(scope: WriteScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

/** changeOrigin for a request: `com/salesforce/api/<api>/<version>;client=<id>` as Salesforce formats it. */
export function originForRequest(path: string, callOptions: string | string[] | undefined): WriteScope | undefined {
  const rest = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
  const soap = /^\/services\/Soap\/[uc]\/(\d+\.\d)/.exec(path);
  const bulk1 = /^\/services\/async\/(\d+\.\d)/.exec(path);
  let api: string;
  let version: string;
  let bulk = false;
  if (rest) {
    bulk = /^\/jobs\/ingest\b/.test(rest[2] ?? "");
    api = bulk ? "bulkapi" : "rest";
    version = rest[1]!;
  } else if (soap) {
    api = "soap";
    version = soap[1]!;
  } else if (bulk1) {
    api = "bulkapi";
    version = bulk1[1]!;
    bulk = true;
  } else {
    return undefined;
  }
  const header = Array.isArray(callOptions) ? callOptions.join(",") : (callOptions ?? "");
  const client = /(?:^|[,;]\s*)client=([^,;]*)/i.exec(header)?.[1]?.trim() ?? "";
  return { changeOrigin: `com/salesforce/api/${api}/${version};client=${client}`, bulk };
}

/** SOAP sends its client id in the CallOptions header of the envelope, read after the request began. */
export function setWriteClient(client: string): void {
  const scope = scopes.getStore();
  if (scope) scope.changeOrigin = scope.changeOrigin.replace(/;client=.*$/, `;client=${client}`);
}

interface Change {
  maker: object;
  table: SObjectTable;
  counter: number;
  before: Record<string, Value> | undefined;
  after: Record<string, Value>;
  purged: boolean;
}

interface Pending {
  owner: object;
  scope: WriteScope | undefined;
  changes: Change[];
}

export type BusListener = (event: BusEvent) => void;

/** A bus position as the Pub/Sub API hands it out: 8 bytes, big-endian. */
export function encodeReplayId(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(seq));
  return b;
}

const RETENTION_MS = 72 * 3_600_000;
/** Events kept at most, whatever their age, so a long load test stays within memory. */
const MAX_EVENTS = 100_000;
/** Records per transaction when Salesforce saves Bulk API rows. */
const BULK_CHUNK = 200;
export const OVERFLOW_RECORD_ID = "000000000000000AAA";

/**
 * Change Data Capture: Tx.put reports every row it writes, rollback withdraws them, and what
 * survives the current turn of the event loop is committed as change events, in commit order,
 * onto one bus that the Pub/Sub API serves per topic.
 */
export class ChangeCapture {
  readonly enabled = new Set<string>();
  /** Users without the permission to subscribe to change events (Subscribe / GetTopic answer PERMISSION_DENIED). */
  readonly denied = new Set<string>();
  readonly events: BusEvent[] = [];
  /** Last seq handed out; events[] holds seq in (head - events.length, head]. */
  head = 0;
  private readonly pending: Pending[] = [];
  private readonly byOwner = new Map<object, Pending>();
  private flushScheduled = false;
  private commitNumber = 10_000_000_000;
  private readonly listeners = new Set<BusListener>();
  private readonly schemas = new Map<string, EntitySchema>();

  constructor(
    private readonly org: Org,
    private readonly initial: string[] = [],
  ) {
    this.enable(initial);
  }

  enable(entities: string[]): string[] {
    const names = entities.map((e) => this.org.requireTable(e).def.name);
    for (const n of names) this.enabled.add(n);
    return names;
  }

  disable(entities: string[]): void {
    for (const e of entities) {
      const t = this.org.table(e);
      if (t) this.enabled.delete(t.def.name);
    }
  }

  /** Called by Tx.put before the row is stored: `prev` is the row as it was (generated index or overlay record). */
  record(maker: object, journal: object | undefined, table: SObjectTable, prev: RowRef | undefined, next: StoredRecord): void {
    if (!this.enabled.has(table.def.name)) return;
    const owner = journal && journal !== maker ? journal : maker;
    let p = this.byOwner.get(owner);
    if (!p) {
      p = { owner, scope: scopes.getStore(), changes: [] };
      this.byOwner.set(owner, p);
      this.pending.push(p);
    }
    const before = prev === undefined ? undefined : typeof prev === "number" ? table.materialize(prev).v : { ...prev.v };
    p.changes.push({ maker, table, counter: next.counter, before, after: { ...next.v }, purged: next.purged === true });
    this.schedule();
  }

  /** A rolled-back transaction's rows never reach the bus. */
  discard(maker: object): void {
    for (const p of this.pending) p.changes = p.owner === maker ? [] : p.changes.filter((c) => c.maker !== maker);
  }

  subscribe(listener: BusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  schemaFor(entity: string): EntitySchema {
    const table = this.org.requireTable(entity);
    const sig = `${table.def.name}:${table.def.fields.map((f) => `${f.name}/${f.type}`).join(",")}`;
    let s = this.schemas.get(sig);
    if (!s) {
      s = changeEventSchema(table.def);
      this.schemas.set(sig, s);
    }
    return s;
  }

  /** Every schema handed out so far, by id: GetSchema answers for old ids after a field change too. */
  schemaById(id: string): EntitySchema | undefined {
    for (const s of this.schemas.values()) if (s.id === id) return s;
    return undefined;
  }

  get earliestSeq(): number {
    return this.head - this.events.length + 1;
  }

  /** Events with seq > after, oldest first, without copying the bus (readers far behind stay cheap). */
  *after(seq: number): Generator<BusEvent> {
    for (let i = Math.max(0, seq - this.earliestSeq + 1); i < this.events.length; i++) yield this.events[i]!;
  }

  /** Events with seq > after, oldest first. */
  since(after: number): BusEvent[] {
    const start = Math.max(0, after - this.earliestSeq + 1);
    return this.events.slice(start);
  }

  /** Drops events older than the 72-hour retention window of the org clock. */
  purgeExpired(): void {
    const limit = this.org.now() * 1000 - RETENTION_MS;
    let n = 0;
    while (n < this.events.length && this.events[n]!.committedAt < limit) n++;
    if (n) this.events.splice(0, n);
  }

  /** Fault: every stored event leaves the retention window, so any replay id given so far is unknown. */
  expireAll(): number {
    const n = this.events.length;
    this.events.length = 0;
    return n;
  }

  /** Fault: a gap event (the change happened but its details were lost), or an overflow. */
  emitGap(entity: string, changeType: ChangeType, recordIds: string[], commitUser?: string): BusEvent {
    const name = this.org.requireTable(entity).def.name;
    const ids = changeType === "GAP_OVERFLOW" ? [OVERFLOW_RECORD_ID] : recordIds;
    return this.publish(
      [{ entity: name, changeType, recordIds: ids, fields: {}, changed: [], nulled: [], commitUser: commitUser ?? this.org.users[0]!.id }],
      undefined,
    )[0]!;
  }

  reset(): void {
    this.events.length = 0;
    this.pending.length = 0;
    this.byOwner.clear();
    this.enabled.clear();
    this.denied.clear();
    this.enable(this.initial);
  }

  flushNow(): void {
    this.flushScheduled = false;
    const journal = this.org.journal;
    const ready: Pending[] = [];
    for (let k = 0; k < this.pending.length; ) {
      const p = this.pending[k]!;
      // An allOrNone composite request is still running: its writes commit (or roll back) when it ends.
      if (journal && p.owner === journal) {
        k++;
        continue;
      }
      this.pending.splice(k, 1);
      this.byOwner.delete(p.owner);
      if (p.changes.length) ready.push(p);
    }
    // Only a running composite request is left: look again shortly rather than every turn of the loop.
    if (this.pending.length) this.schedule(5);
    // Consecutive Bulk API transactions of one request are saved 200 rows to a transaction.
    const groups: { changes: Change[]; scope: WriteScope | undefined }[] = [];
    for (const p of ready) {
      const last = groups[groups.length - 1];
      if (last && p.scope?.bulk && p.scope === last.scope && last.changes.length + p.changes.length <= BULK_CHUNK) last.changes.push(...p.changes);
      else groups.push({ changes: [...p.changes], scope: p.scope });
    }
    for (const g of groups) this.commit(g.changes, g.scope);
  }

  private schedule(delayMs = 0): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    if (delayMs > 0) setTimeout(() => this.flushNow(), delayMs).unref();
    else setImmediate(() => this.flushNow());
  }

  /** One committed transaction: one change per record (first state before, last state after), grouped like Salesforce. */
  private commit(changes: Change[], scope: WriteScope | undefined): void {
    const perRecord = new Map<string, { first: Change; last: Change }>();
    for (const c of changes) {
      const key = `${c.table.def.name}:${c.counter}`;
      const hit = perRecord.get(key);
      if (hit) hit.last = c;
      else perRecord.set(key, { first: c, last: c });
    }
    const drafts: Draft[] = [];
    const byKey = new Map<string, Draft>();
    for (const { first, last } of perRecord.values()) {
      const d = diff(first.before, last.after, last.purged);
      if (!d) continue;
      const id = String(last.after.Id);
      const entity = last.table.def.name;
      const commitUser = String(last.after.LastModifiedById ?? last.after.CreatedById ?? "");
      // Salesforce sends one event for records given the same change in one transaction.
      const key = JSON.stringify([entity, d.changeType, d.fields, d.changed, d.nulled, commitUser]);
      const same = byKey.get(key);
      if (same) {
        same.recordIds.push(id);
        continue;
      }
      const draft: Draft = { entity, changeType: d.changeType, recordIds: [id], fields: d.fields, changed: d.changed, nulled: d.nulled, commitUser };
      byKey.set(key, draft);
      drafts.push(draft);
    }
    if (drafts.length) this.publish(drafts, scope);
  }

  private publish(drafts: Draft[], scope: WriteScope | undefined): BusEvent[] {
    const transactionKey = randomUUID();
    const commitNumber = ++this.commitNumber;
    const committedAt = this.org.nowMs();
    const out: BusEvent[] = [];
    drafts.forEach((d, k) => {
      const schema = this.schemaFor(d.entity);
      const header: ChangeEventHeader = {
        entityName: d.entity,
        recordIds: d.recordIds,
        changeType: d.changeType,
        changeOrigin: scope?.changeOrigin ?? "",
        transactionKey,
        sequenceNumber: k + 1,
        commitTimestamp: committedAt,
        commitNumber,
        commitUser: d.commitUser,
        nulledFields: [],
        diffFields: [],
        changedFields: [],
      };
      const payload = encodeChangeEvent(schema, header, d.fields, d.changed, d.nulled);
      const ev: BusEvent = {
        seq: ++this.head,
        id: randomUUID(),
        entity: d.entity,
        schemaId: schema.id,
        payload: payload.buffer,
        committedAt,
        header: payload.header,
      };
      this.events.push(ev);
      out.push(ev);
    });
    if (this.events.length > MAX_EVENTS) this.events.splice(0, this.events.length - MAX_EVENTS);
    this.purgeExpired();
    for (const ev of out) for (const l of this.listeners) l(ev);
    return out;
  }
}

interface Draft {
  entity: string;
  changeType: ChangeType;
  recordIds: string[];
  fields: Record<string, Value>;
  changed: string[];
  nulled: string[];
  commitUser: string;
}

/** Fields a change event never carries: the id travels in recordIds, the rest are system bookkeeping. */
const NOT_IN_EVENT = new Set(["Id", "IsDeleted", "SystemModstamp", "LastViewedDate", "LastReferencedDate"]);

function diff(before: Record<string, Value> | undefined, after: Record<string, Value>, purged: boolean) {
  const wasDeleted = before?.IsDeleted === true;
  const isDeleted = after.IsDeleted === true || purged;
  const all = () => Object.fromEntries(Object.entries(after).filter(([k, v]) => !NOT_IN_EVENT.has(k) && v !== null && v !== undefined));
  if (!before) return isDeleted ? undefined : { changeType: "CREATE" as const, fields: all(), changed: [], nulled: [] };
  if (!wasDeleted && isDeleted) return { changeType: "DELETE" as const, fields: {}, changed: [], nulled: [] };
  if (wasDeleted && !isDeleted) return { changeType: "UNDELETE" as const, fields: all(), changed: [], nulled: [] };
  if (wasDeleted && isDeleted) return undefined;
  const fields: Record<string, Value> = {};
  const changed: string[] = [];
  const nulled: string[] = [];
  for (const [k, v] of Object.entries(after)) {
    if (NOT_IN_EVENT.has(k)) continue;
    const old = before[k] ?? null;
    const now = v ?? null;
    if (old === now) continue;
    changed.push(k);
    if (now === null) nulled.push(k);
    else fields[k] = now;
  }
  return changed.length ? { changeType: "UPDATE" as const, fields, changed, nulled } : undefined;
}
