import type { Connection } from "jsforce";
import { pgErrorCode, salesforceConnections, syncStates, withTenant, type DatabaseHandle } from "@ferry/db";
import { beginRun, finishRun, recordInitialSyncFinished, recordSyncFailure, setSyncState, type RunKind } from "@ferry/services";
import {
  ApiBudget,
  type ApiBudgetOptions,
  SalesforceApi,
  type RetryPolicy,
  readLimits,
  ApiCapReachedError,
  CredentialsError,
  OrgApiLimitError,
  RunAbortedError,
} from "@ferry/salesforce";
import { ProgressReporter, type SyncEmitter } from "./progress";
import { emitSyncStatus, failForCredentials, pauseForApiLimit } from "./store/outcomes";

export interface SyncLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SyncOptions {
  /** Above this many rows an object is read through Bulk API 2.0; default 10,000. */
  bulkThreshold?: number;
  /** Rows per Bulk results page (one API call); default 100,000 (streamed, so memory does not depend on it). */
  bulkPageSize?: number;
  /**
   * Rows per committed chunk (one transaction) of a Bulk page; default 5,000. A Lead's COPY text is
   * about 2.5 KB, and up to three chunks are in memory at once (one built, one waiting, one copied):
   * 5,000 keeps that near 40 MB (bench/README.md: memory).
   */
  chunkSize?: number;
  /** Rows per REST page and chunk (Salesforce's maximum is 2,000). */
  restPageSize?: number;
  bulkPollMs?: number;
  /** A run hands its worker slot back after this long (at a chunk boundary) and is re-queued. */
  sliceMs?: number;
  retry?: Partial<RetryPolicy>;
  budget?: Omit<ApiBudgetOptions, "capCalls">;
  /** Emits at most this often after commits (progress is re-sent after 750 ms of quiet regardless). */
  progressIntervalMs?: number;
}

export interface SyncContext {
  database: DatabaseHandle;
  tenantId: string;
  runId: string;
  /** A logged-in jsforce Connection; its refresh delegate renews expired sessions. */
  conn: Connection;
  emitter?: SyncEmitter;
  signal?: AbortSignal;
  logger?: SyncLogger;
  options?: SyncOptions;
  /**
   * Which attempt of its job this run is (0 = first) and how many retries the job has. On the last
   * attempt an error ends the run `failed` (notification, mail); before it the run stays
   * `incomplete` and the job's retry resumes it. Without them (a direct call) errors leave it incomplete.
   */
  attempt?: number;
  retryLimit?: number;
}

export type RunOutcome =
  | { outcome: "completed" }
  | { outcome: "yielded" }
  | { outcome: "paused"; resumesAt: Date | null; reason: string }
  | { outcome: "failed"; code: string; reason: string };

/** What a run body gets: the API with its budget, the progress reporter, and a call counter to flush per chunk. */
export interface RunScope {
  ctx: SyncContext;
  api: SalesforceApi;
  progress: ProgressReporter;
  options: Required<Omit<SyncOptions, "retry" | "budget">>;
  startedAt: number;
  /** Calls since the last flush; each chunk's transaction adds them to its object's counters. */
  takeCalls(): number;
}

/** How old the stored API usage may be for a cycle to skip its `/limits` read. */
const LIMITS_FRESH_MS = 15 * 60_000;

/** A run's options where its caller gives none (the stream manager's runs start from them too). */
export const RUN_DEFAULTS: RunScope["options"] = {
  bulkThreshold: 10_000,
  bulkPageSize: 100_000,
  chunkSize: 5_000,
  restPageSize: 2_000,
  bulkPollMs: 250,
  sliceMs: Number.POSITIVE_INFINITY,
  progressIntervalMs: 200,
};

/**
 * The frame every run kind shares: the run row and tenant state, the API budget read from
 * `/limits`, and one place that turns an outcome into statuses, notifications and events.
 * A cap or bad credentials end the job normally (paused / failed); anything else is rethrown so
 * the job is retried and resumes from the last checkpoint.
 */
export async function executeRun(ctx: SyncContext, kind: RunKind, body: (scope: RunScope) => Promise<"completed" | "yielded">): Promise<RunOutcome> {
  const { database, tenantId, runId } = ctx;
  const scope = { db: database.db, tenantId };
  const { connection, state } = await withTenant(scope, async (tx) => ({
    connection: (await tx.select({ cap: salesforceConnections.apiDailyCap }).from(salesforceConnections).limit(1))[0],
    state: (await tx.select().from(syncStates).limit(1))[0],
  }));
  if (state?.pausedByAdmin) {
    await withTenant(scope, (tx) => finishRun(tx, runId, { status: "incomplete", error: "Sync paused by an admin", errorCode: "PAUSED" }));
    return { outcome: "paused", resumesAt: null, reason: "Sync paused by an admin" };
  }
  const budget = new ApiBudget({ ...ctx.options?.budget, capCalls: connection?.cap ?? null });
  const api = new SalesforceApi(ctx.conn, budget, ctx.signal, ctx.options?.retry);
  let calls = 0;
  api.onCall = () => void calls++;
  const progress = new ProgressReporter(ctx.emitter, tenantId, runId, ctx.options?.progressIntervalMs ?? RUN_DEFAULTS.progressIntervalMs, (error) =>
    ctx.logger?.warn({ err: error }, "progress event not sent"),
  );
  const run: RunScope = {
    ctx,
    api,
    progress,
    options: { ...RUN_DEFAULTS, ...stripUndefined(ctx.options ?? {}) } as RunScope["options"],
    startedAt: Date.now(),
    takeCalls: () => {
      const n = calls;
      calls = 0;
      return n;
    },
  };
  await beginRun(database, tenantId, runId, kind);
  await emitSyncStatus(ctx, { state: "running" });
  progress.start();
  try {
    // A cycle trusts the usage the last run saw if it is recent (every response's Sforce-Limit-Info
    // updates it): an idle cycle then costs its change queries alone.
    const seen = state?.apiCheckedAt && state.apiUsed !== null && state.apiLimit !== null ? state : undefined;
    if (kind === "incremental" && seen && Date.now() - seen.apiCheckedAt!.getTime() < LIMITS_FRESH_MS) budget.observe(seen.apiUsed!, seen.apiLimit!);
    else await readLimits(api);
    budget.assertAvailable();
    const result = await body(run);
    const lastSyncedAt = new Date();
    const finished = await withTenant(scope, async (tx) => {
      if (result === "completed") {
        await finishRun(tx, runId, { status: "succeeded", apiCalls: run.takeCalls() });
        await setSyncState(tx, tenantId, { state: "idle", message: null, resumesAt: null, lastSyncedAt, ...usage(budget) });
        // The admin who started the initial sync learns it is done wherever they are (app and mail).
        if (kind === "initial") return recordInitialSyncFinished(tx, { tenantId }, runId);
      } else {
        await setSyncState(tx, tenantId, usage(budget));
      }
      return undefined;
    });
    if (result === "completed") await emitSyncStatus(ctx, { state: "idle", lastSyncedAt: lastSyncedAt.toISOString() });
    if (finished) await ctx.emitter?.emit(tenantId, "notification", finished).catch(() => undefined);
    return { outcome: result };
  } catch (error) {
    const target = { database, tenantId, runId, emitter: ctx.emitter, logger: ctx.logger };
    if (error instanceof ApiCapReachedError) {
      return pauseForApiLimit(target, {
        state: "api_capped",
        errorCode: "API_CAP_REACHED",
        reason: error.message,
        resumesAt: error.resumesAt,
        apiCalls: run.takeCalls(),
        usage: usage(budget),
        notification: {
          title: "API cap reached",
          body: `Ferry used ${error.used} of its ${error.cap} daily Salesforce API calls (org limit ${error.limit}). Sync resumes at ${error.resumesAt.toISOString()}.`,
        },
      });
    }
    if (error instanceof OrgApiLimitError) {
      // Salesforce's own daily limit for the whole org, not Ferry's cap: other integrations share it.
      const usedOfLimit = error.used !== undefined && error.limit !== undefined ? ` (${error.used} of ${error.limit} calls used in the last 24 h)` : "";
      return pauseForApiLimit(target, {
        state: "org_limited",
        errorCode: "REQUEST_LIMIT_EXCEEDED",
        reason: error.message,
        resumesAt: error.resumesAt,
        apiCalls: run.takeCalls(),
        usage: usage(budget),
        notification: {
          title: "Salesforce org API limit reached",
          body: `Salesforce refused further API calls with REQUEST_LIMIT_EXCEEDED: the org's own 24-hour API limit is used up${usedOfLimit}, by Ferry and the org's other integrations together. Sync resumes at ${error.resumesAt.toISOString()}.`,
        },
      });
    }
    if (error instanceof CredentialsError) return failForCredentials(target, { code: error.code, message: error.message, apiCalls: run.takeCalls() });
    if (!(error instanceof RunAbortedError)) {
      // Database errors arrive wrapped by drizzle ("Failed query: …"): keep the cause's words and SQLSTATE.
      const message = rootCauseMessage(error);
      const ownCode = (error as { code?: unknown }).code;
      const code = pgErrorCode(error) ?? (typeof ownCode === "string" ? ownCode : "ERROR");
      const { attempt = 0, retryLimit } = ctx;
      if (retryLimit !== undefined && attempt >= retryLimit) {
        // The job gives up after this attempt: the run failed. The scheduler still resumes it later.
        const shown = `Sync failed: ${message}`.slice(0, 300);
        const notification = await withTenant(scope, async (tx) => {
          await finishRun(tx, runId, { status: "failed", error: message.slice(0, 1000), errorCode: code, apiCalls: run.takeCalls() });
          await setSyncState(tx, tenantId, { state: "failed", message: shown, resumesAt: null });
          return recordSyncFailure(tx, { tenantId }, { kind, runId, reason: message, code, attempts: attempt + 1 });
        }).catch((failure: unknown) => void ctx.logger?.error({ err: failure }, "run failure not recorded"));
        await emitSyncStatus(ctx, { state: "failed", message: shown });
        if (notification) await ctx.emitter?.emit(tenantId, "notification", notification).catch(() => undefined);
      } else {
        await withTenant(scope, async (tx) => {
          await finishRun(tx, runId, { status: "incomplete", error: message.slice(0, 1000), errorCode: code, apiCalls: run.takeCalls() });
          // Nothing runs any more; not "failed" either, since the job's retry resumes the run.
          await setSyncState(tx, tenantId, { state: "idle", message: `Last run stopped: ${message}`.slice(0, 300) });
        }).catch(() => undefined);
        await emitSyncStatus(ctx, { state: "idle", message: `Last run stopped: ${message}`.slice(0, 300) });
      }
    }
    throw error;
  } finally {
    progress.stop();
  }
}

function rootCauseMessage(error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  for (let e: unknown = (error as { cause?: unknown })?.cause, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof Error && e.message) message = e.message;
  }
  return message;
}

function usage(budget: ApiBudget) {
  return budget.used === undefined ? {} : { apiUsed: budget.used, apiLimit: budget.limit ?? null, apiCheckedAt: budget.checkedAt ?? new Date() };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
