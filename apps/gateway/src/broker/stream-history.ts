import { randomBytes } from 'node:crypto';
import type { HistoryEntry, HistoryRead, StreamPosition } from './broker.js';

export interface StreamHistoryOptions {
  /** Messages kept per stream (`history_limit`). */
  readonly limit: number;
  /** How long a message is kept (`history_ttl`). */
  readonly ttlMs: number;
  /** Streams kept at most; see {@link MAX_HISTORY_STREAMS}. */
  readonly maxStreams: number;
  /** The clock (tests). */
  readonly now?: () => number;
}

/**
 * Streams whose history is kept at most. With the default history_limit (100) this bounds the
 * store at 1,000,000 messages; past it the stream written least recently is forgotten (its
 * clients asking for history get `reject_history` and fall back to a full reload, as after an
 * expiry). 10,000 covers the streams one gateway sized for 10,000 connections follows.
 */
export const MAX_HISTORY_STREAMS = 10_000;

/** Expired messages and forgotten streams are swept at most this often, on an append (no timer). */
const SWEEP_INTERVAL_MS = 1000;

interface StoredStream {
  /** The last offset given out (offsets start at 1). */
  offset: number;
  entries: HistoryEntry[];
  /** Unix ms after which the stream (and its offset counter) is forgotten. */
  keepUntil: number;
}

/**
 * anycable-go's memory broker stream history, for one gateway: per stream, the last `limit`
 * messages younger than `ttlMs`, with increasing offsets under one random epoch per gateway start
 * (a restart changes the epoch, so clients know their offsets are gone). Like anycable-go, a
 * stream is remembered 10 × ttl after its last message so its offsets keep increasing.
 * Synchronous and single-threaded: appends and reads are ordered per stream.
 */
export class StreamHistory {
  readonly epoch = randomBytes(3).toString('base64url');
  private readonly streams = new Map<string, StoredStream>();
  private readonly now: () => number;
  private lastSweepAt = 0;

  constructor(private readonly options: StreamHistoryOptions) {
    this.now = options.now ?? Date.now;
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** Stores a message; returns its position. */
  append(stream: string, data: string): StreamPosition {
    const now = this.now();
    if (now - this.lastSweepAt >= SWEEP_INTERVAL_MS) {
      this.lastSweepAt = now;
      this.expire();
    }
    let stored = this.streams.get(stream);
    if (stored && stored.keepUntil < now) stored = undefined;
    if (stored) this.streams.delete(stream); // re-inserted last: the map's order is least recently written first
    stored ??= { offset: 0, entries: [], keepUntil: 0 };
    stored.offset++;
    stored.entries.push({ offset: stored.offset, storedAt: now, data });
    if (stored.entries.length > this.options.limit) stored.entries.shift();
    stored.keepUntil = now + this.options.ttlMs * 10;
    this.streams.set(stream, stored);
    if (this.streams.size > this.options.maxStreams) this.streams.delete(this.streams.keys().next().value as string);
    return { epoch: this.epoch, offset: stored.offset };
  }

  /**
   * The messages after `position` (anycable-go HistoryFrom): refused when the epoch is not this
   * history's, the offset is not a non-negative integer, the stream is unknown or empty, or the
   * offset is no longer (or not yet) kept.
   */
  after(stream: string, position: StreamPosition): HistoryRead {
    if (position.epoch !== this.epoch) return { ok: false, error: `unknown epoch ${JSON.stringify(position.epoch)}` };
    if (!Number.isSafeInteger(position.offset) || position.offset < 0) return { ok: false, error: `bad offset ${String(position.offset)}` };
    const entries = this.liveEntries(stream);
    if (!entries || entries.length === 0) return { ok: false, error: 'stream is empty or unknown' };
    const low = entries[0]!.offset;
    if (position.offset < low) return { ok: false, error: `offset ${position.offset} is no longer kept (lowest: ${low})` };
    const start = position.offset - low + 1;
    if (start > entries.length) return { ok: false, error: `offset ${position.offset} is past the latest (${entries[entries.length - 1]!.offset})` };
    return { ok: true, epoch: this.epoch, entries: entries.slice(start) };
  }

  /** The messages stored at or after `sinceSeconds` (unix seconds; anycable-go HistorySince). */
  since(stream: string, sinceSeconds: number): readonly HistoryEntry[] {
    const sinceMs = sinceSeconds * 1000;
    return (this.liveEntries(stream) ?? []).filter((entry) => Math.floor(entry.storedAt / 1000) * 1000 >= sinceMs);
  }

  /** Drops expired messages and forgotten streams (done on appends, at most once a second). */
  expire(): void {
    for (const stream of [...this.streams.keys()]) this.liveEntries(stream);
  }

  /** The stream's entries younger than the TTL (older ones are dropped); undefined if forgotten. */
  private liveEntries(stream: string): HistoryEntry[] | undefined {
    const stored = this.streams.get(stream);
    if (!stored) return undefined;
    const now = this.now();
    if (stored.keepUntil < now) {
      this.streams.delete(stream);
      return undefined;
    }
    const oldest = now - this.options.ttlMs;
    let cut = 0;
    while (cut < stored.entries.length && stored.entries[cut]!.storedAt < oldest) cut++;
    if (cut > 0) stored.entries.splice(0, cut);
    return stored.entries;
  }
}
