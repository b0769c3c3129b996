/** How an open request of a worker ends: every client settled, or the request's time ran out. */
export interface OpenBatchOutcome {
  /** Clients that subscribed. */
  succeeded: number;
  /** Clients that failed, the unsettled ones included when the time ran out. */
  failed: number;
  /** Failure reason → count. */
  errors: Record<string, number>;
  timedOut: boolean;
}

/** What a batch is told: how many clients, how many in flight, how long, what to say of the unsettled ones. */
export interface OpenBatchOptions {
  count: number;
  concurrency: number;
  timeoutMs: number;
  /** The error recorded for the clients still unsettled when the time runs out. */
  timeoutReason: string;
}

/**
 * One open request of a load worker: starts `count` clients with at most `concurrency` of them not
 * yet settled (subscribed or failed), counts how they settle, and ends once every one has, or at
 * the timeout. Both kinds of load client (load connections, recovering clients) open this way.
 */
export class OpenBatch {
  private launched = 0;
  private settled = 0;
  private succeeded = 0;
  private failed = 0;
  private readonly errors: Record<string, number> = {};
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly options: OpenBatchOptions,
    /** Starts client number `position` (0-based within this batch). */
    private readonly launchOne: (position: number) => void,
    private readonly end: (outcome: OpenBatchOutcome) => void,
  ) {}

  /** Clients launched and not settled yet. */
  get inFlight(): number {
    return this.launched - this.settled;
  }

  get failures(): number {
    return this.failed;
  }

  start(): void {
    this.timer = setTimeout(() => this.finish(true), this.options.timeoutMs);
    this.launch();
    if (this.options.count === 0) this.finish(false);
  }

  /** A client of this batch subscribed. */
  succeed(): void {
    if (this.ended) return;
    this.succeeded += 1;
    this.settle();
  }

  /** A client of this batch failed for `reason`. */
  fail(reason: string): void {
    if (this.ended) return;
    this.failed += 1;
    this.errors[reason] = (this.errors[reason] ?? 0) + 1;
    this.settle();
  }

  private launch(): void {
    while (!this.ended && this.launched < this.options.count && this.inFlight < this.options.concurrency) {
      const position = this.launched;
      this.launched += 1;
      this.launchOne(position);
    }
  }

  private settle(): void {
    this.settled += 1;
    if (this.settled >= this.options.count) this.finish(false);
    else this.launch();
  }

  private finish(timedOut: boolean): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    if (timedOut) {
      const unsettled = this.options.count - this.settled;
      this.failed += unsettled;
      this.errors[this.options.timeoutReason] = unsettled;
    }
    this.end({ succeeded: this.succeeded, failed: this.failed, errors: this.errors, timedOut });
  }
}
