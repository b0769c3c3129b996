/**
 * Counts RPC calls in flight and refuses those above a bound, so a burst of sessions cannot pile
 * unbounded work (and memory) into one process: the refused caller is told to retry later.
 */
export class CallLimiter {
  private inFlightCalls = 0;

  /** @param maxConcurrentCalls calls allowed in flight at once (a positive integer) */
  constructor(readonly maxConcurrentCalls: number) {
    if (!Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1) {
      throw new RangeError(`maxConcurrentCalls must be a positive integer, got ${maxConcurrentCalls}`);
    }
  }

  /** Calls currently in flight. */
  get inFlight(): number {
    return this.inFlightCalls;
  }

  /** Runs `fn` if a slot is free and returns its result; returns `refused()` without running `fn` otherwise. */
  async run<T>(fn: () => Promise<T>, refused: () => never): Promise<T> {
    if (this.inFlightCalls >= this.maxConcurrentCalls) refused();
    this.inFlightCalls += 1;
    try {
      return await fn();
    } finally {
      this.inFlightCalls -= 1;
    }
  }
}
