import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** What the compactor watches: connections accepted so far and open now. */
export interface ConnectionCounts {
  readonly accepted: number;
  readonly open: number;
}

/**
 * How long the connection counts must stay still before collecting (a storm is over). Long enough
 * that an overloaded gateway stalling mid-storm (every attempt waiting on RPC) does not collect
 * early and then miss the end of the storm.
 */
export const COMPACT_QUIET_MS = 5_000;
/** How often the counts are read. */
const CHECK_EVERY_MS = 500;

/**
 * Returns the heap's memory to the OS once a burst of connections is over. A connect (or
 * reconnect) storm allocates a few KB of short-lived objects per connection (upgrade request,
 * RPC messages, frames); V8 keeps that garbage, and the young generation grown to its maximum, in
 * the process's RSS until allocation pressure triggers a full collection, which an idle gateway
 * never makes: at 10,000 connections that was about 13 KB per connection of RSS holding nothing.
 * After at least `churn` connections opened or closed since the last collection, and then
 * {@link COMPACT_QUIET_MS} without any change, one full collection runs (tens of ms at 10,000
 * connections, once per storm, never during one). `gc_after_churn` (0 = never).
 */
export class MemoryCompactor {
  private timer: NodeJS.Timeout | null = null;
  private last: ConnectionCounts = { accepted: 0, open: 0 };
  private atLastCollection: ConnectionCounts = { accepted: 0, open: 0 };
  private stillSince = 0;
  /** Collections made (for tests and /health-style introspection). */
  collections = 0;

  constructor(
    private readonly churn: number,
    private readonly counts: () => ConnectionCounts,
    private readonly collect: () => void = fullGarbageCollection(),
    private readonly now: () => number = Date.now,
    private readonly onCollected: (churn: number, tookMs: number) => void = () => undefined,
  ) {}

  start(): void {
    if (this.churn <= 0 || this.timer) return;
    this.last = this.atLastCollection = this.counts();
    this.stillSince = this.now();
    this.timer = setInterval(() => this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Reads the counts once; collects when a burst of at least `churn` is over (public for tests). */
  check(): void {
    const counts = this.counts();
    const now = this.now();
    if (counts.accepted !== this.last.accepted || counts.open !== this.last.open) {
      this.last = counts;
      this.stillSince = now;
      return;
    }
    // Every connection opened or closed since the last collection (a mass disconnect is a burst too).
    const opened = counts.accepted - this.atLastCollection.accepted;
    const closed = this.atLastCollection.open + opened - counts.open;
    if (opened + closed < this.churn || now - this.stillSince < COMPACT_QUIET_MS) return;
    this.atLastCollection = counts;
    this.collections++;
    const started = this.now();
    this.collect();
    this.onCollected(opened + closed, this.now() - started);
  }
}

/**
 * V8's `gc()`, without starting Node with --expose-gc: the flag set at run time installs it in
 * contexts created afterwards.
 */
function fullGarbageCollection(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}
