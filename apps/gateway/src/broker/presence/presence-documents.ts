import type { Eventually } from '../broker.js';
import type { PresenceSet } from './presence-set.js';

/** A stream's set as read, with the version a conditional write must name. */
export interface VersionedSet {
  readonly set: PresenceSet | null;
  /** Opaque; null when the stream has no set. */
  readonly version: string | null;
}

/**
 * Where presence sets are kept: one document per stream, changed by compare-and-set, plus an
 * index of when each stream must be looked at again (its earliest deadline). The memory, Redis and
 * NATS backends implement it; {@link DocumentPresenceStore} holds the logic. Calls may reject
 * (backend unreachable): the store turns that into refusals.
 */
export interface PresenceDocuments {
  start(): Promise<void>;
  stop(): Promise<void>;
  read(stream: string): Eventually<VersionedSet>;
  /**
   * Writes `set` (null: deletes the stream's set) if the stored version is still `version`; false
   * when someone changed it meanwhile. `nextDeadline` (unix ms, Infinity when none) goes to the index.
   */
  write(stream: string, set: PresenceSet | null, version: string | null, nextDeadline: number): Eventually<boolean>;
  /** Streams whose earliest deadline is before `now`. */
  due(now: number): Eventually<string[]>;
}
