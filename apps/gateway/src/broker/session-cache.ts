import type { SessionSnapshot } from './broker.js';

export interface SessionCacheOptions {
  /** How long a closed session can be restored (`sessions_ttl`). */
  readonly ttlMs: number;
  /** Snapshots kept at most; see {@link MAX_CACHED_SESSIONS}. */
  readonly maxSessions: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

/**
 * Closed sessions kept at most. A snapshot is a few hundred bytes for a typical session (its
 * identifiers, states and stream names), so 10,000 — a full reconnect storm of the connections one
 * gateway is sized for — stays in the low megabytes. Past it the oldest snapshot is dropped (that
 * client reconnects with a Connect call, as after an expiry).
 */
export const MAX_CACHED_SESSIONS = 10_000;

/**
 * anycable-go's memory broker session cache, for one gateway: the snapshot of a closed
 * extended-protocol session, by sid, for `ttlMs`, so a client reconnecting with `?sid=` gets its
 * session back without Connect. A snapshot is restored once (the restored session gets a new sid
 * and is cached under it when it closes in turn).
 */
export class SessionCache {
  /** Insertion order = expiry order (one TTL for all). */
  private readonly snapshots = new Map<string, { snapshot: SessionSnapshot; expiresAt: number }>();
  private readonly now: () => number;

  constructor(private readonly options: SessionCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.snapshots.size;
  }

  store(sid: string, snapshot: SessionSnapshot): void {
    this.expire();
    this.snapshots.delete(sid);
    this.snapshots.set(sid, { snapshot, expiresAt: this.now() + this.options.ttlMs });
    if (this.snapshots.size > this.options.maxSessions) this.snapshots.delete(this.snapshots.keys().next().value as string);
  }

  /** The snapshot of `sid` if it is still cached; it is removed (restored once). */
  take(sid: string): SessionSnapshot | null {
    this.expire();
    const cached = this.snapshots.get(sid);
    if (!cached) return null;
    this.snapshots.delete(sid);
    return cached.snapshot;
  }

  /** Keeps `sid`'s snapshot, if cached, for a full TTL from now (moved last: expiry order stays insertion order). */
  touch(sid: string): void {
    const cached = this.snapshots.get(sid);
    if (cached) this.store(sid, cached.snapshot);
  }

  /** Drops expired snapshots (the oldest first, stopping at the first live one). */
  private expire(): void {
    const now = this.now();
    for (const [sid, cached] of this.snapshots) {
      if (cached.expiresAt > now) return;
      this.snapshots.delete(sid);
    }
  }
}
