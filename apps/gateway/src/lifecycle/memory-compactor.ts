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
 * {@link COMPACT_QUIET_MS} without any change, one memory-reducing collection runs (see
 * {@link memoryReducingCollection}; about 0.7 s of CPU at 10,000 connections, once per storm, never during
 * one). `gc_after_churn` (0 = never).
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
    /** Runs the collection; a promise when it completes later. */
    private readonly collect: () => void | Promise<void> = memoryReducingCollection,
    private readonly now: () => number = Date.now,
    private readonly onCollected: (churn: number, tookMs: number) => void = () => undefined,
    private readonly onFailed: (error: unknown) => void = () => undefined,
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
    const report = (): void => this.onCollected(opened + closed, this.now() - started);
    const collecting = this.collect();
    if (collecting) collecting.then(report, (error: unknown) => this.onFailed(error));
    else report();
  }
}

/**
 * Gives a storm's garbage back to the OS: first one full collection that compacts every page of the
 * old generation (V8's --compact-on-every-full-gc, set for this collection only), then the
 * collection V8 makes when its embedder says memory is low (what the inspector's
 * `HeapProfiler.collectGarbage` runs), which shrinks the young generation back to its minimum and
 * releases the freed pages. The plain `gc()` of --expose-gc does none of this: after a 10,000-client
 * gRPC storm the gateway's RSS stayed at 386 MiB after it (old space 257 MiB committed for 79 MiB
 * used, new space 32 MiB). The low-memory collection alone compacts at most a few MB per pass
 * (190–221 MiB after it, old space up to 130 MiB committed for 69 MiB used); both together give
 * 178 MiB (old space 70 MiB, new space 1 MiB) for about the same CPU (680 ms against 630 ms,
 * measured from /proc on the loaded 2-core machine). The second runs through an in-process
 * inspector session (no port is opened; works whether or not Node runs with --inspect) and is
 * skipped where Node has no inspector.
 */
export async function memoryReducingCollection(): Promise<void> {
  const gc = plainFullCollection();
  setFlagsFromString('--compact-on-every-full-gc');
  try {
    gc();
  } finally {
    setFlagsFromString('--no-compact-on-every-full-gc');
  }
  // Loaded on first use: Node built without the inspector throws on importing it.
  if (!process.features.inspector) return;
  const { Session } = await import('node:inspector');
  const session = new Session();
  session.connect();
  try {
    await new Promise<void>((resolve, reject) => session.post('HeapProfiler.collectGarbage', (error) => (error ? reject(error) : resolve())));
  } finally {
    session.disconnect();
  }
}

let plainGc: (() => void) | null = null;

/**
 * V8's `gc()`, without starting Node with --expose-gc: the flag set at run time installs it in
 * contexts created afterwards.
 */
function plainFullCollection(): () => void {
  if (!plainGc) {
    setFlagsFromString('--expose-gc');
    plainGc = runInNewContext('gc') as () => void;
  }
  return plainGc;
}
