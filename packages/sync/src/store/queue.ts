/** Why a reader stops: the writer closed the queue (done, yielding, or failed itself). */
export class QueueClosedError extends Error {
  constructor() {
    super("The chunk queue was closed by its writer");
  }
}

/**
 * A bounded hand-over between one reader and one writer. `put` waits while `capacity` items are
 * waiting, which holds the reader (and its download) back; `take` waits for the next item, and
 * returns undefined once the reader has ended. A reader's failure reaches the writer at its next
 * `take`; the writer's `close` makes the reader's next `put` throw.
 */
export class ChunkQueue<T> {
  private items: T[] = [];
  private ended = false;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly capacity: number) {}

  async put(item: T): Promise<void> {
    while (!this.closed && this.items.length >= this.capacity) await new Promise<void>((resolve) => (this.wakeReader = resolve));
    if (this.closed) throw new QueueClosedError();
    this.items.push(item);
    this.wake("writer");
  }

  async take(): Promise<T | undefined> {
    for (;;) {
      if (this.items.length) {
        const item = this.items.shift()!;
        this.wake("reader");
        return item;
      }
      if (this.failure) throw this.failure.error;
      if (this.ended || this.closed) return undefined;
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
  }

  end(): void {
    this.ended = true;
    this.wake("writer");
  }

  fail(error: unknown): void {
    if (!(error instanceof QueueClosedError)) this.failure ??= { error };
    this.ended = true;
    this.wake("writer");
  }

  close(): void {
    this.closed = true;
    this.items = [];
    this.wake("reader");
  }

  private wake(who: "reader" | "writer"): void {
    const f = who === "reader" ? this.wakeReader : this.wakeWriter;
    if (who === "reader") this.wakeReader = undefined;
    else this.wakeWriter = undefined;
    f?.();
  }
}
