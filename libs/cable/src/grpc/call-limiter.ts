/** Why a call was refused without running. */
export type CallRefusal = 'exhausted' | 'draining';

/**
 * Counts RPC calls in flight and refuses those above a bound, so a burst of sessions cannot pile
 * unbounded work (and memory) into one process: the refused caller is told to retry later. Once
 * draining (the app is shutting down), it refuses every new call and tells when the last one ended.
 */
export class CallLimiter {
  private inFlightCalls = 0;
  private drained: (() => void) | null = null;
  private isDraining = false;

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

  get draining(): boolean {
    return this.isDraining;
  }

  /** Runs `fn` if a slot is free and returns its result; returns `refused(why)` without running `fn` otherwise. */
  async run<T>(fn: () => Promise<T>, refused: (why: CallRefusal) => never): Promise<T> {
    if (this.isDraining) refused('draining');
    if (this.inFlightCalls >= this.maxConcurrentCalls) refused('exhausted');
    this.inFlightCalls += 1;
    try {
      return await fn();
    } finally {
      this.inFlightCalls -= 1;
      if (this.inFlightCalls === 0) this.drained?.();
    }
  }

  /** Refuses every call from now on; resolves once the calls in flight have ended. */
  drain(): Promise<void> {
    this.isDraining = true;
    if (this.inFlightCalls === 0) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }
}
