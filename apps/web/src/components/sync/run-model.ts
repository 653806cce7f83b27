import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@ferry/api";
import type { SyncProgress, SyncStatus } from "@ferry/realtime/events";
import { averageRate, startEta, updateEta, type EtaState } from "./eta";

/** The run as committed (`syncStatus.currentRun`), moved on in the query cache by live events. */
export type CurrentRun = inferRouterOutputs<AppRouter>["syncStatus"]["currentRun"];
export type RunRow = CurrentRun["objects"][number];

const ACTIVE = new Set(["queued", "in_progress", "paused"]);
export const isActive = (status: string | undefined) => ACTIVE.has(status ?? "");

const max = (a: number, b: number) => (a > b ? a : b);

function mergeRow(prev: RunRow, next: RunRow): RunRow {
  // A finished row is final; counters only move forward whichever of two reads lands last.
  const finished = prev.status !== "in_progress" && prev.status !== "queued" ? prev.status : next.status;
  return {
    ...next,
    status: next.status === "in_progress" || next.status === "queued" ? finished : next.status,
    total: next.total ?? prev.total,
    processed: max(prev.processed, next.processed),
    created: max(prev.created, next.created),
    updated: max(prev.updated, next.updated),
    deleted: max(prev.deleted, next.deleted),
    failed: max(prev.failed, next.failed),
    skipped: max(prev.skipped, next.skipped),
  };
}

/**
 * A fresh read merged with what the cache already holds for the same run: a read that left the
 * server before the last event can land after it, and must not move a counter back.
 */
export function mergeFetched(prev: CurrentRun | undefined, next: CurrentRun): CurrentRun {
  if (!prev?.run || !next.run || prev.run.id !== next.run.id) return next;
  const rows = next.objects.map((row) => {
    const old = prev.objects.find((o) => o.object === row.object && o.operation === row.operation);
    return old ? mergeRow(old, row) : row;
  });
  // Rows only the live events had created stay until the database has them.
  for (const old of prev.objects) if (!rows.some((r) => r.object === old.object && r.operation === old.operation)) rows.push(old);
  const started = new Set(rows.map((r) => r.object));
  // A succeeded run is final (each cycle is a run of its own): an older read cannot reopen it.
  const final = prev.run.status === "succeeded" && isActive(next.run.status);
  return {
    ...next,
    ...(final ? { sync: prev.sync, initialRun: prev.initialRun } : {}),
    run: {
      ...next.run,
      ...(final ? { status: prev.run.status, phase: prev.run.phase, finishedAt: prev.run.finishedAt } : {}),
      apiCalls: max(prev.run.apiCalls, next.run.apiCalls),
    },
    objects: rows,
    pending: next.pending.filter((o) => !started.has(o)),
  };
}

/** A `sync.progress` event applied to the cache entry of its run; other runs are left to a re-read. */
export function applyProgress(data: CurrentRun, event: SyncProgress): CurrentRun {
  if (!data.run || data.run.id !== event.runId) return data;
  const run = { ...data.run, phase: event.phase, ...(data.run.status === "queued" ? { status: "in_progress" as const } : {}) };
  if (!event.object) return { ...data, run };
  const object = event.object;
  const rows = data.objects.slice();
  const index = rows.findIndex((o) => o.object === object && (o.operation === "pull_updates" || o.status === "in_progress"));
  const at = new Date(event.at);
  // The engine counts every object of a run before it reads the first: a count is not a start.
  const counting = event.phase === "counting";
  if (index === -1) {
    rows.push({
      object,
      operation: "pull_updates",
      status: counting ? "queued" : "in_progress",
      total: event.total,
      processed: event.processed,
      created: event.created,
      updated: event.updated,
      deleted: 0,
      failed: event.failed,
      skipped: 0,
      startedAt: at,
      finishedAt: null,
    });
  } else {
    const row = rows[index]!;
    rows[index] = mergeRow(row, {
      ...row,
      status: row.status === "queued" && !counting ? "in_progress" : row.status,
      total: event.total ?? row.total,
      processed: event.processed,
      created: event.created,
      updated: event.updated,
      failed: event.failed,
    });
  }
  // Objects are read one after another: once this one moves, the others that have all their rows have finished.
  if (!counting) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.object !== object && row.operation === "pull_updates" && row.status === "in_progress" && row.total !== null && row.processed >= row.total)
        rows[i] = { ...row, status: "succeeded" };
    }
  }
  return { ...data, run, objects: rows, pending: data.pending.filter((o) => o !== object) };
}

/**
 * A `sync.status` event applied at once: a terminal state ends the active run in the cache, so no
 * reader can show a run "In progress" beside "Last Synced" while the re-read is on its way.
 */
export function applyStatus(data: CurrentRun, event: SyncStatus): CurrentRun {
  const sync = {
    state: event.state === "not_connected" ? ("idle" as const) : event.state,
    message: event.message ?? null,
    lastSyncedAt: event.lastSyncedAt ? new Date(event.lastSyncedAt) : (data.sync?.lastSyncedAt ?? null),
    resumesAt: event.resumesAt ? new Date(event.resumesAt) : null,
  };
  type RunStatus = NonNullable<CurrentRun["run"]>["status"];
  const ended: RunStatus | null =
    event.state === "idle"
      ? event.lastSyncedAt
        ? "succeeded"
        : "incomplete"
      : event.state === "failed"
        ? "failed"
        : event.state === "running"
          ? null
          : "paused";
  if (!ended || !data.run || !isActive(data.run.status)) return { ...data, sync };
  const now = new Date();
  const run = { ...data.run, status: ended, finishedAt: ended === "paused" ? null : now, ...(ended === "succeeded" ? { phase: "done" as const } : {}) };
  const objects =
    ended === "succeeded" ? data.objects.map((o) => (o.status === "in_progress" ? { ...o, status: "succeeded" as const, finishedAt: now } : o)) : data.objects;
  const initialRun = data.initialRun && data.initialRun.id === run.id ? { ...data.initialRun, status: ended, finishedAt: run.finishedAt } : data.initialRun;
  return { ...data, sync, run, objects, initialRun, pending: ended === "succeeded" ? [] : data.pending };
}

export interface LiveObject {
  object: string;
  operation: string;
  /** `pending` for an object of the run's plan it has not started yet. */
  status: string;
  phase: string | null;
  total: number | null;
  processed: number;
  created: number;
  updated: number;
  failed: number;
  rate: number | null;
  etaSeconds: number | null;
}

/** Rate and ETA per run and object, settled over the events (presentation only; counts live in the cache). */
const etas = new Map<string, EtaState>();

/** Feeds the ETA of the event's object; called once per event by the store. */
export function observeRate(data: CurrentRun | undefined, event: SyncProgress): void {
  if (!event.object) return;
  const key = `${event.runId}:${event.object}`;
  const at = new Date(event.at).getTime();
  let base = etas.get(key);
  if (!base) {
    const row = data?.objects.find((o) => o.object === event.object && o.status === "in_progress");
    base = row ? startEta(row.processed, at, averageRate(row.processed, new Date(row.startedAt).getTime(), at)) : startEta(event.processed, at);
  }
  etas.set(key, updateEta(base, { processed: event.processed, total: event.total, at, rate: event.rate }));
}

/** Every object of the run: the started ones with their counters, then the plan's pending ones. */
export function liveObjects(data: CurrentRun | undefined, now = Date.now()): LiveObject[] {
  if (!data?.run) return [];
  const run = data.run;
  const objects: LiveObject[] = data.objects.map((row) => {
    const eta = etas.get(`${run.id}:${row.object}`);
    const moving = row.status === "in_progress" && isActive(run.status);
    let rate = moving && eta ? eta.rate : null;
    let etaSeconds = moving && eta ? eta.etaSeconds : null;
    if (moving && !eta) {
      rate = averageRate(row.processed, new Date(row.startedAt).getTime(), now);
      etaSeconds = rate && row.total !== null ? Math.max(0, row.total - row.processed) / rate : null;
    }
    return {
      object: row.object,
      operation: row.operation,
      // An object the paused run was reading waits with it.
      status: row.status === "in_progress" && run.status === "paused" ? "paused" : row.status,
      phase: moving ? run.phase : null,
      total: row.total,
      processed: row.processed,
      created: row.created,
      updated: row.updated,
      failed: row.failed,
      rate,
      etaSeconds: row.status === "succeeded" ? 0 : etaSeconds,
    };
  });
  for (const object of data.pending) {
    objects.push({
      object,
      operation: "pull_updates",
      status: "pending",
      phase: null,
      total: null,
      processed: 0,
      created: 0,
      updated: 0,
      failed: 0,
      rate: null,
      etaSeconds: null,
    });
  }
  return objects;
}

export interface Overall {
  /** Null while any object of the run is still uncounted: a share of a partial total would fall back. */
  percent: number | null;
  processed: number;
  /** The run's total, once every object is counted. */
  total: number | null;
  etaSeconds: number | null;
}

/** The highest figure shown per run: the figure never goes back, even if a count grows mid-run. */
const shown = new Map<string, { percent: number; processed: number }>();

/** The run as a whole, the one figure the header and the progress page show. */
export function overall(data: CurrentRun | undefined, objects: LiveObject[] = liveObjects(data)): Overall {
  const run = data?.run;
  if (!run) return { percent: null, processed: 0, total: null, etaSeconds: null };
  let total = 0;
  let processed = 0;
  let counted = objects.length > 0;
  let rate = 0;
  for (const o of objects) {
    processed += o.total === null ? o.processed : Math.min(o.processed, o.total);
    if (o.total === null) counted = false;
    else total += o.total;
    if (o.status === "in_progress" && o.rate) rate = Math.max(rate, o.rate);
  }
  const done = run.status === "succeeded";
  let percent = done ? 100 : counted ? (total === 0 ? 100 : Math.floor((processed / total) * 1000) / 10) : null;
  const high = shown.get(run.id);
  if (percent !== null && high && high.percent > percent) percent = high.percent;
  if (high && high.processed > processed) processed = high.processed;
  if (percent !== null || processed > 0) shown.set(run.id, { percent: percent ?? high?.percent ?? 0, processed });
  if (high && percent === null && high.percent > 0) percent = high.percent;
  const remaining = counted ? Math.max(0, total - processed) : null;
  // An estimate only once the whole run is counted and something is moving.
  const etaSeconds = !isActive(run.status) || remaining === null ? null : remaining === 0 ? 0 : rate > 0 ? remaining / rate : null;
  return { percent, processed, total: counted ? total : null, etaSeconds };
}

export type BadgeState = "not_connected" | "validated" | "fields_synced" | "ready" | "idle" | "running" | "failed" | "paused" | "api_capped" | "org_limited";

export interface BadgeView {
  state: BadgeState;
  message?: string | null;
  lastSyncedAt?: Date | string | null;
  resumesAt?: Date | string | null;
  percent?: number | null;
  /** A background check (reconciliation, an incremental cycle with nothing to change) is running. */
  checking?: boolean;
}

const SETUP: Record<string, BadgeState> = { validated: "validated", fields_synced: "fields_synced", confirmed: "ready", ready: "ready" };

/**
 * Whether the active run is one the admin waits for: the initial sync, a push, or a cycle that
 * changes data. Reconciliation and cycles that find nothing new are background checks.
 */
export function changesData(data: CurrentRun): boolean {
  const run = data.run;
  if (!run) return false;
  if (run.kind === "initial" || run.kind === "push") return true;
  if (run.kind === "reconcile") return false;
  return data.objects.some((o) => o.created + o.updated + o.deleted > 0);
}

/** The header's status, from the same cache entry as everything else. */
export function badgeOf(data: CurrentRun | undefined, figure?: Overall): BadgeView {
  if (!data) return { state: "not_connected" };
  const { sync, run } = data;
  if (!sync) {
    const setup = SETUP[data.connectionState];
    if (setup) return { state: setup };
    if (data.connectionState === "syncing") return { state: "running", message: "The initial sync is queued or running.", percent: figure?.percent ?? null };
    if (data.connectionState === "failed") return { state: "failed", message: run?.error ?? null };
    if (data.connectionState === "paused") return { state: "paused" };
    return { state: "not_connected" };
  }
  const base = { message: sync.message, lastSyncedAt: sync.lastSyncedAt, resumesAt: sync.resumesAt ?? run?.resumesAt ?? null };
  if (sync.state === "running") {
    const moving = run && isActive(run.status);
    // A run this tab has not read yet (its status event came first) is a check until the read says
    // otherwise: after a first sync, only a run known to change data turns the badge.
    if (sync.lastSyncedAt && (!moving || !changesData(data))) return { ...base, state: "idle", message: null, checking: true };
    return { ...base, state: "running", percent: figure?.percent ?? overall(data).percent };
  }
  if (sync.state === "failed") return { ...base, state: "failed", message: sync.message ?? run?.error ?? null };
  return { ...base, state: sync.state };
}
