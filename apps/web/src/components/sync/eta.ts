/**
 * Turns noisy per-event rates into an ETA that settles: the rate is an exponentially weighted
 * average over time (a half-life in seconds, not per sample, so bursts of events do not swing it),
 * and the shown ETA moves at most a bounded step per update unless the work is nearly done.
 */
export interface EtaState {
  rate: number | null;
  etaSeconds: number | null;
  at: number;
  processed: number;
}

export interface EtaOptions {
  halfLifeSeconds?: number;
  /** The shown ETA changes by at most this fraction per update (the clock's own tick is allowed). */
  maxStep?: number;
}

export function startEta(processed: number, at: number, initialRate: number | null = null): EtaState {
  return { rate: initialRate !== null && initialRate > 0 ? initialRate : null, etaSeconds: null, at, processed };
}

/** A rate from committed counters alone (after a reload): processed since the object started. */
export function averageRate(processed: number, startedAt: number, now: number): number | null {
  const seconds = (now - startedAt) / 1000;
  return seconds >= 1 && processed > 0 ? processed / seconds : null;
}

export function updateEta(
  prev: EtaState,
  sample: { processed: number; total: number | null; at: number; rate?: number | null },
  { halfLifeSeconds = 8, maxStep = 0.15 }: EtaOptions = {},
): EtaState {
  const dt = Math.max(0, (sample.at - prev.at) / 1000);
  const observed =
    sample.rate !== undefined && sample.rate !== null && sample.rate >= 0 ? sample.rate : dt > 0 ? Math.max(0, (sample.processed - prev.processed) / dt) : null;
  let rate = prev.rate;
  if (observed !== null) {
    const weight = prev.rate === null ? 1 : 1 - Math.pow(0.5, dt / halfLifeSeconds);
    rate = prev.rate === null ? observed : prev.rate + (observed - prev.rate) * weight;
  }
  const remaining = sample.total === null ? null : Math.max(0, sample.total - sample.processed);
  let eta: number | null = null;
  if (remaining === 0) eta = 0;
  else if (remaining !== null && rate !== null && rate > 0) {
    const target = remaining / rate;
    if (prev.etaSeconds === null || prev.etaSeconds === 0) eta = target;
    else {
      // What the previous ETA would be now if it had been right, then a bounded step toward the new estimate.
      const expected = Math.max(0, prev.etaSeconds - dt);
      const limit = Math.max(2, expected * maxStep);
      eta = Math.max(0, expected + Math.max(-limit, Math.min(limit, target - expected)));
    }
  }
  return { rate, etaSeconds: eta === null ? null : eta, at: sample.at, processed: sample.processed };
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, "0")}m`;
}
