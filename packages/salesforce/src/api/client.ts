import type { Connection } from "jsforce";
import { CredentialsError, OrgApiLimitError, RunAbortedError, SalesforceClientError } from "../errors";
import type { ApiBudget } from "./budget";

export interface RetryPolicy {
  /** Attempts for transient failures (5xx, UNABLE_TO_LOCK_ROW, network) before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Attempts on REQUEST_LIMIT_EXCEEDED (a concurrent-request or daily limit) before pausing. */
  limitAttempts: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 30_000, limitAttempts: 3 };

const TRANSIENT_CODES = new Set(["UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "UNKNOWN_EXCEPTION", "QUERY_TIMEOUT"]);

export interface RequestOptions {
  method?: string;
  body?: unknown;
  accept?: string;
  headers?: Record<string, string>;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RunAbortedError());
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RunAbortedError());
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

type RefreshDelegate = { refresh(since: number): Promise<void> };

/**
 * Every Salesforce call of the engine goes through here: the API budget is checked first, each
 * response's `Sforce-Limit-Info` is read, calls are counted for the run and object, an expired
 * session is refreshed once for all concurrent callers (jsforce's delegate is single-flight),
 * and transient failures are retried with exponential backoff and full jitter, a bounded number of
 * times. jsforce's Connection supplies the session; the HTTP is ours so that Bulk CSV pages can
 * be streamed and headers read.
 */
export class SalesforceApi {
  private readonly retry: RetryPolicy;
  onCall: (() => void) | undefined;

  constructor(
    readonly conn: Connection,
    readonly budget: ApiBudget,
    readonly signal: AbortSignal | undefined,
    retry: Partial<RetryPolicy> = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...retry };
  }

  get version(): string {
    return this.conn.version;
  }

  url(path: string): string {
    if (/^https?:/.test(path)) return path;
    if (path.startsWith("/services/")) return `${this.conn.instanceUrl}${path}`;
    return `${this.conn.instanceUrl}/services/data/v${this.conn.version}${path}`;
  }

  /** A successful response (status < 400); the body is left unread for the caller. */
  async request(path: string, options: RequestOptions = {}): Promise<Response> {
    let transient = 0;
    let limited = 0;
    let refreshed = 0;
    for (;;) {
      if (this.signal?.aborted) throw new RunAbortedError();
      this.budget.assertAvailable();
      const startedAt = Date.now();
      let response: Response;
      try {
        response = await fetch(this.url(path), {
          method: options.method ?? "GET",
          headers: {
            Authorization: `Bearer ${this.conn.accessToken}`,
            Accept: options.accept ?? "application/json",
            ...(options.body !== undefined ? { "Content-Type": "application/json; charset=UTF-8" } : {}),
            ...options.headers,
          },
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: this.signal,
        });
      } catch (error) {
        if (this.signal?.aborted) throw new RunAbortedError();
        if (++transient >= this.retry.maxAttempts) throw new SalesforceClientError("NETWORK_ERROR", `Salesforce unreachable: ${String(error)}`);
        await sleep(this.backoff(transient), this.signal);
        continue;
      }
      this.onCall?.();
      this.budget.observeHeader(response.headers.get("sforce-limit-info"));
      if (response.status < 400) return response;

      const { code, message } = await readError(response);
      if (response.status === 401) {
        const delegate = (this.conn as unknown as { _refreshDelegate?: RefreshDelegate })._refreshDelegate;
        // A fresh session can lapse again before a slow request reaches Salesforce (short session
        // timeouts): several refreshes, each a successful login, before the credentials are blamed.
        if (!delegate || refreshed >= 4) throw new CredentialsError(code, message);
        refreshed++;
        try {
          await delegate.refresh(startedAt);
        } catch (error) {
          throw new CredentialsError("REFRESH_FAILED", error instanceof Error ? error.message : String(error));
        }
        continue;
      }
      if (code === "REQUEST_LIMIT_EXCEEDED") {
        if (++limited >= this.retry.limitAttempts)
          throw new OrgApiLimitError(this.budget.used, this.budget.limit, new Date(Date.now() + this.budget.recheckMs));
        await sleep(this.backoff(limited + 2), this.signal);
        continue;
      }
      if (response.status >= 500 || TRANSIENT_CODES.has(code)) {
        if (++transient >= this.retry.maxAttempts) throw new SalesforceClientError(code, message, { status: response.status });
        await sleep(this.backoff(transient), this.signal);
        continue;
      }
      throw new SalesforceClientError(code, message, { status: response.status });
    }
  }

  async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }
}

async function readError(response: Response): Promise<{ code: string; message: string }> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as unknown;
    const first = Array.isArray(body) ? body[0] : body;
    if (first && typeof first === "object") {
      const record = first as Record<string, unknown>;
      const code = String(record.errorCode ?? record.error ?? `ERROR_HTTP_${response.status}`);
      return { code, message: String(record.message ?? record.error_description ?? text) };
    }
  } catch {
    // not JSON: fall through
  }
  return { code: `ERROR_HTTP_${response.status}`, message: text.slice(0, 500) || response.statusText };
}
