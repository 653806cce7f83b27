import { ApiError, limitExceeded } from "../errors";

export type EndpointClass =
  | "auth"
  | "identity"
  | "versions"
  | "describe"
  | "query"
  | "sobject"
  | "composite"
  | "replication"
  | "limits"
  | "bulk-query"
  | "bulk-ingest"
  | "other";

/** `job-failure` ends the next Bulk API 2.0 job of that endpoint in state Failed instead of an HTTP error. */
export type FaultKind = "server-error" | "unable-to-lock-row" | "request-limit" | "job-failure";

export interface FaultRule {
  /** Endpoint class, or '*' for every Salesforce endpoint. */
  endpoint: EndpointClass | "*";
  kind: FaultKind;
  /** Probability per request in [0, 1]. */
  rate?: number;
  /** Fail exactly the next N matching requests (deterministic; takes precedence over rate). */
  times?: number;
  /** HTTP status for server-error faults (500 by default). */
  status?: 500 | 502 | 503;
}

export type LatencyProfile = "none" | "realistic";

/**
 * Answers `after` more requests of the endpoint class, then keeps the later ones waiting (their
 * connections open, nothing answered) until the hold is lifted: a test can stop a client at a known
 * point of its work, however fast or slow the machine runs it.
 */
export interface HoldRule {
  endpoint: EndpointClass;
  after: number;
}

export interface FaultSettings {
  latency?: LatencyProfile;
  rules?: FaultRule[];
  outage?: boolean;
  /** null lifts the hold: every waiting request is answered. */
  hold?: HoldRule | null;
}

/** Injected failures, latency and holds; all requests pass through `check`, `pass` and `delayMs`. */
export class Faults {
  latency: LatencyProfile = "none";
  rules: FaultRule[] = [];
  outage = false;
  hold: HoldRule | null = null;
  /** Requests waiting at the hold, oldest first. */
  private waiting: { endpoint: EndpointClass; answer: () => void }[] = [];
  private rng: () => number;

  constructor(seed = 42) {
    let s = seed >>> 0 || 1;
    this.rng = () => {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      return (s >>> 0) / 4_294_967_296;
    };
  }

  configure(settings: FaultSettings): void {
    if (settings.latency) this.latency = settings.latency;
    if (settings.rules) this.rules = settings.rules.map((r) => ({ ...r }));
    if (settings.outage !== undefined) this.outage = settings.outage;
    if (settings.hold !== undefined) this.setHold(settings.hold);
  }

  clear(): void {
    this.latency = "none";
    this.rules = [];
    this.outage = false;
    this.setHold(null);
  }

  /** Requests waiting at the hold now. */
  get held(): number {
    return this.waiting.length;
  }

  /**
   * A new hold's budget goes to the requests already waiting at it first (oldest first); requests of
   * another class, or all of them when the hold is lifted (null), are answered.
   */
  private setHold(hold: HoldRule | null): void {
    this.hold = hold ? { ...hold } : null;
    const release: (() => void)[] = [];
    const still: typeof this.waiting = [];
    for (const w of this.waiting) {
      if (this.hold?.endpoint !== w.endpoint) release.push(w.answer);
      else if (this.hold.after > 0) {
        this.hold.after--;
        release.push(w.answer);
      } else still.push(w);
    }
    this.waiting = still;
    for (const answer of release) answer();
  }

  /** Resolves when a request of this endpoint class may be answered. */
  async pass(endpoint: EndpointClass): Promise<void> {
    const hold = this.hold;
    if (!hold || hold.endpoint !== endpoint) return;
    if (hold.after > 0) {
      hold.after--;
      return;
    }
    await new Promise<void>((answer) => this.waiting.push({ endpoint, answer }));
  }

  /** The fault to answer with for this request, if any. */
  private fires(rule: FaultRule): boolean {
    if (rule.times !== undefined) {
      if (rule.times <= 0) return false;
      rule.times--;
      return true;
    }
    return rule.rate !== undefined && this.rng() < rule.rate;
  }

  /** Whether a Bulk job finishing now should end Failed. */
  failsJob(endpoint: "bulk-query" | "bulk-ingest"): boolean {
    return this.rules.some((rule) => rule.kind === "job-failure" && (rule.endpoint === "*" || rule.endpoint === endpoint) && this.fires(rule));
  }

  /** A composite subrequest only meets rules naming its endpoint: a '*' rule already had its chance on the composite call. */
  check(endpoint: EndpointClass, isWrite: boolean, subrequest = false): ApiError | undefined {
    for (const rule of this.rules) {
      if (rule.endpoint === "*" ? subrequest : rule.endpoint !== endpoint) continue;
      if (rule.kind === "job-failure") continue;
      if (rule.kind === "unable-to-lock-row" && !isWrite) continue;
      if (!this.fires(rule)) continue;
      switch (rule.kind) {
        case "server-error":
          return rule.status === 503
            ? new ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.")
            : new ApiError(
                rule.status ?? 500,
                "UNKNOWN_EXCEPTION",
                `An unexpected error occurred. Please include this ErrorId if you contact support: ${Math.floor(this.rng() * 1e9)}-${Math.floor(this.rng() * 1e5)} (-${Math.floor(this.rng() * 1e9)})`,
              );
        case "unable-to-lock-row":
          return new ApiError(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record or 1 records");
        case "request-limit":
          return limitExceeded();
      }
    }
    return undefined;
  }

  /** Milliseconds to wait before answering; `realistic` mimics a real org's round trip plus per-record cost. */
  delayMs(endpoint: EndpointClass, records: number): number {
    if (this.latency === "none") return 0;
    const base: Record<EndpointClass, number> = {
      auth: 350,
      identity: 120,
      versions: 60,
      describe: 180,
      query: 140,
      sobject: 110,
      composite: 250,
      replication: 160,
      limits: 90,
      "bulk-query": 160,
      "bulk-ingest": 200,
      other: 100,
    };
    const jitter = 0.75 + this.rng() * 0.5;
    const perRecord = endpoint === "bulk-query" ? 0.004 : endpoint === "query" ? 0.05 : 0.2;
    return Math.round(base[endpoint] * jitter + records * perRecord);
  }
}
