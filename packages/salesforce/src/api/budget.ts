import { ApiCapReachedError } from "../errors";

export interface ApiBudgetOptions {
  /** Share of the org's daily limit this tenant may use; default 0.5. */
  capFraction?: number;
  /** An absolute cap (calls per 24 h), when the admin set one; wins over the fraction. */
  capCalls?: number | null;
  /** How long a capped run waits before it looks again (Salesforce's window rolls over 24 h). */
  recheckMs?: number;
  now?: () => number;
}

/**
 * The org's daily API usage as last reported by Salesforce (`/limits`, then `Sforce-Limit-Info` on
 * every response), and the tenant's cap on it. Checked before every call, so work stops at the cap
 * instead of discovering REQUEST_LIMIT_EXCEEDED.
 */
export class ApiBudget {
  used: number | undefined;
  limit: number | undefined;
  checkedAt: Date | undefined;
  private readonly capFraction: number;
  private readonly capCalls: number | null;
  readonly recheckMs: number;
  private readonly now: () => number;

  constructor(options: ApiBudgetOptions = {}) {
    this.capFraction = options.capFraction ?? 0.5;
    this.capCalls = options.capCalls ?? null;
    this.recheckMs = options.recheckMs ?? 30 * 60_000;
    this.now = options.now ?? Date.now;
  }

  get cap(): number | undefined {
    if (this.limit === undefined) return undefined;
    const byFraction = Math.floor(this.limit * this.capFraction);
    return this.capCalls === null ? byFraction : Math.min(this.capCalls, this.limit);
  }

  /** Reads `Sforce-Limit-Info: api-usage=18/15000`. */
  observeHeader(value: string | null): void {
    const match = value && /api-usage=(\d+)\/(\d+)/.exec(value);
    if (!match) return;
    this.observe(Number(match[1]), Number(match[2]));
  }

  observe(used: number, limit: number): void {
    this.used = used;
    this.limit = limit;
    this.checkedAt = new Date(this.now());
  }

  exhausted(): boolean {
    const cap = this.cap;
    return cap !== undefined && this.used !== undefined && this.used >= cap;
  }

  assertAvailable(): void {
    if (!this.exhausted()) return;
    throw new ApiCapReachedError(this.used!, this.cap!, this.limit!, new Date(this.now() + this.recheckMs));
  }
}
