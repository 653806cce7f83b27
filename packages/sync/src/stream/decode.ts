import avro from "avsc";

/** The header every Change Data Capture event carries (the fields Ferry reads). */
export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  /** CREATE, UPDATE, DELETE, UNDELETE, GAP_CREATE, GAP_UPDATE, GAP_DELETE, GAP_UNDELETE, GAP_OVERFLOW. */
  changeType: string;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  /** Salesforce's commit time, epoch milliseconds. */
  commitTimestamp: number;
  commitUser: string;
}

export interface ChangeEvent {
  header: ChangeEventHeader;
  replayId: Buffer;
}

/**
 * Avro types by schema id. A schema id names one immutable schema, so an entry never goes stale;
 * the cache is shared by every stream of the process and bounded (an org has few schemas).
 */
export class SchemaCache {
  private readonly types = new Map<string, avro.Type>();
  private readonly pending = new Map<string, Promise<avro.Type>>();

  constructor(private readonly limit = 5_000) {}

  async type(schemaId: string, fetch: (schemaId: string) => Promise<string>): Promise<avro.Type> {
    const known = this.types.get(schemaId);
    if (known) return known;
    let loading = this.pending.get(schemaId);
    if (!loading) {
      loading = fetch(schemaId).then((json) => avro.Type.forSchema(JSON.parse(json) as avro.Schema, { wrapUnions: "auto" }));
      this.pending.set(schemaId, loading);
    }
    try {
      const type = await loading;
      if (this.types.size >= this.limit) this.types.delete(this.types.keys().next().value!);
      this.types.set(schemaId, type);
      return type;
    } finally {
      this.pending.delete(schemaId);
    }
  }

  get size(): number {
    return this.types.size;
  }
}

/** A union value decoded by avsc is either the bare value or `{ typeName: value }`. */
function unwrap(value: unknown): unknown {
  if (value && typeof value === "object" && !Array.isArray(value) && !Buffer.isBuffer(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && !["entityName", "recordIds", "changeType"].includes(keys[0]!)) {
      const inner = (value as Record<string, unknown>)[keys[0]!];
      if (typeof inner !== "object" || inner === null || Array.isArray(inner)) return inner;
    }
  }
  return value;
}

export function readHeader(decoded: Record<string, unknown>): ChangeEventHeader {
  const raw = (decoded.ChangeEventHeader ?? decoded.changeEventHeader) as Record<string, unknown> | undefined;
  if (!raw || typeof raw !== "object") throw new Error("the event has no ChangeEventHeader: it is not a change event");
  const text = (name: string) => {
    const v = unwrap(raw[name]);
    return v === null || v === undefined ? "" : String(v);
  };
  const num = (name: string) => {
    const v = unwrap(raw[name]);
    return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : v ? Number(v) : 0;
  };
  const ids = unwrap(raw.recordIds);
  return {
    entityName: text("entityName"),
    recordIds: Array.isArray(ids) ? ids.map(String) : [],
    changeType: text("changeType"),
    changeOrigin: text("changeOrigin"),
    transactionKey: text("transactionKey"),
    sequenceNumber: num("sequenceNumber"),
    commitTimestamp: num("commitTimestamp"),
    commitUser: text("commitUser"),
  };
}

export function decodeChangeEvent(type: avro.Type, payload: Buffer): ChangeEventHeader {
  return readHeader(type.fromBuffer(payload) as Record<string, unknown>);
}
