import type { EventName, EventPayload } from "@ferry/realtime";

/** The slice of the realtime emitter the engine needs; the worker passes its emitter. */
export interface SyncEmitter {
  emit<E extends EventName>(tenantId: string, event: E, payload: EventPayload<E>): Promise<void>;
}

type Phase = EventPayload<"sync.progress">["phase"];

const RESEND_AFTER_MS = 750;

interface ObjectProgress {
  object: string;
  phase: Phase;
  total: number | null;
  processed: number;
  created: number;
  updated: number;
  failed: number;
}

/**
 * Sends `sync.progress` after commits: at most every `minIntervalMs` (a commit inside that window is
 * sent when it closes, so no commit waits longer for its event), and re-sent at least once a second
 * while the run moves so a viewer always sees it alive. The payload is the committed state, so a
 * browser that reloads and re-reads the run through tRPC sees the same numbers.
 */
export class ProgressReporter {
  private state: ObjectProgress | undefined;
  private lastSent = 0;
  private samples: { at: number; processed: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The send of a commit that came inside the interval, at the interval's end. */
  private trailing: NodeJS.Timeout | undefined;

  constructor(
    private readonly emitter: SyncEmitter | undefined,
    private readonly tenantId: string,
    private readonly runId: string,
    private readonly minIntervalMs = 200,
    private readonly onError: (error: unknown) => void = () => {},
  ) {}

  start(): void {
    if (!this.emitter || this.timer) return;
    // Checked four times a second and re-sent after 750 ms of quiet: a one-second timer that
    // re-sends after a full second only fires every other tick, and viewers need one a second.
    this.timer = setInterval(() => {
      if (this.state && Date.now() - this.lastSent >= RESEND_AFTER_MS) this.send();
    }, 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = undefined;
  }

  /** The object moves to another phase (e.g. writing a page it has read); sent with the next event. */
  setPhase(phase: Phase): void {
    if (this.state) this.state = { ...this.state, phase };
  }

  /** Call after a commit with the object's committed totals. */
  update(state: ObjectProgress, force = false): void {
    if (this.state?.object !== state.object) this.samples = [];
    this.state = state;
    const now = Date.now();
    this.samples.push({ at: now, processed: state.processed });
    while (this.samples.length > 2 && now - this.samples[0]!.at > 10_000) this.samples.shift();
    if (force || now - this.lastSent >= this.minIntervalMs) this.send();
    else if (this.emitter && !this.trailing) {
      // Left to the once-a-second re-send, such a commit waited up to 750 ms more for its event.
      this.trailing = setTimeout(() => this.send(), this.lastSent + this.minIntervalMs - now);
      this.trailing.unref();
    }
  }

  private rate(): number {
    if (this.samples.length < 2) return 0;
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const seconds = (last.at - first.at) / 1000;
    return seconds > 0 ? Math.max(0, (last.processed - first.processed) / seconds) : 0;
  }

  private send(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = undefined;
    const s = this.state;
    if (!this.emitter || !s) return;
    this.lastSent = Date.now();
    const rate = this.rate();
    const remaining = s.total === null ? null : Math.max(0, s.total - s.processed);
    this.emitter
      .emit(this.tenantId, "sync.progress", {
        tenantId: this.tenantId,
        runId: this.runId,
        object: s.object,
        phase: s.phase,
        total: s.total,
        processed: s.processed,
        created: s.created,
        updated: s.updated,
        failed: s.failed,
        rate: Math.round(rate * 10) / 10,
        etaSeconds: remaining === null || rate === 0 ? null : Math.round(remaining / rate),
        at: new Date().toISOString(),
      })
      .catch(this.onError);
  }
}
