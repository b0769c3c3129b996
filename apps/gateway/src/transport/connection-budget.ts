/**
 * `max_conn` across transports: WebSocket and SSE connections count together, as in anycable-go,
 * whose limit applies to the listener they share. Each transport registers how many connections
 * it holds (its own count stays the one source of truth, so nothing can leak here).
 */
export class ConnectionBudget {
  private readonly counters: Array<() => number> = [];

  /** `max` 0 = no limit. */
  constructor(readonly max: number) {}

  register(openConnections: () => number): void {
    this.counters.push(openConnections);
  }

  get open(): number {
    let total = 0;
    for (const count of this.counters) total += count();
    return total;
  }

  /** True when one more connection would pass `max_conn`. */
  get isFull(): boolean {
    return this.max > 0 && this.open >= this.max;
  }
}
