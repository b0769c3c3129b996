import type { StringMap } from '#libs/protocol';
import type { BrokerName } from '../config/gateway-config.js';
import type { PresenceStore } from './presence/presence-store.js';

/**
 * The gateway's broker seam (anycable-go's `broker.Broker` is the model): where publications get
 * their position in their stream's history, where history is read back, and where sessions are
 * kept for a restore without Connect. The session, the hub and the broadcast dispatcher use only
 * this file's types; each backend (none, memory, redis, nats) lives in its own file beside it.
 *
 * Presence (anycable-go's PresenceAdd/Remove/Info/TouchPresence) is the broker's `presence`: its
 * own interface, in broker/presence/ (per gateway with memory, shared with redis and nats).
 */

/** A value now (the memory backend) or later (a networked backend). Callers `await` either. */
export type Eventually<T> = T | Promise<T>;

/** Where a message sits in its stream's history: the history's epoch and the message's offset. */
export interface StreamPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** One stored message. */
export interface HistoryEntry {
  readonly offset: number;
  /** Unix milliseconds when it was stored. */
  readonly storedAt: number;
  readonly data: string;
}

/**
 * A history read: the entries after the asked position (or since the asked time) with the epoch
 * they belong to, or why it cannot be answered (the client gets `reject_history`).
 */
export type HistoryRead = { ok: true; epoch: string; entries: readonly HistoryEntry[] } | { ok: false; error: string };

/** What a session leaves to be restored: everything it got from Connect and its subscriptions. */
export interface SessionSnapshot {
  readonly identifiers: string;
  readonly cstate: StringMap | null;
  /** Subscriptions in the order they were made: identifier, istate, followed streams. */
  readonly subscriptions: ReadonlyArray<{ identifier: string; istate: StringMap | null; streams: readonly string[] }>;
  /** How the session was identified: Connect over RPC, a JWT, or noauth's public identifiers. */
  readonly authenticatedBy: 'rpc' | 'jwt' | 'public';
  readonly subscribedOverRpc: boolean;
}

/** Stream history: positions for publications, and reads back from a position or a time. */
export interface PublicationLog {
  /**
   * Stores a publication in its stream's history and gives back its position; null when it is
   * not stored (no history kept, or the backend is unreachable: the backend logs and counts that,
   * and the publication is still delivered, without a position). Never rejects.
   * Order: a caller that delivers each stream's publications in the order it called `register`
   * gets increasing offsets in that order (the dispatcher's StreamSequencer does so even when the
   * results come back asynchronously).
   */
  register(stream: string, data: string): Eventually<StreamPosition | null>;
  /**
   * The messages after `position` (anycable-go HistoryFrom). Refused when the epoch is not the
   * stream's, the offset is not a non-negative integer, the stream is unknown or empty, or the
   * offset is no longer (or not yet) kept. Never rejects: an unreachable backend is a refusal.
   */
  historyFrom(stream: string, position: StreamPosition): Eventually<HistoryRead>;
  /** The messages stored at or after `sinceSeconds` (unix seconds; anycable-go HistorySince). Never rejects. */
  historySince(stream: string, sinceSeconds: number): Eventually<HistoryRead>;
}

/** Sessions kept for a restore without Connect (`?sid=` / `X-ANYCABLE-RESTORE-SID`). */
export interface SessionStore {
  /** Saves (replaces) the session's snapshot; it can be restored for `sessions_ttl` from now. Never rejects. */
  commitSession(sid: string, snapshot: SessionSnapshot): Eventually<void>;
  /**
   * The snapshot of `sid`, removed from the store so that one session is restored by one
   * connection only (anycable-go leaves it; the restored session commits under its new sid at
   * once, so nothing is lost by taking it). Null when unknown, expired, or the backend is
   * unreachable. Never rejects.
   */
  restoreSession(sid: string): Eventually<SessionSnapshot | null>;
  /**
   * The session closed: its last snapshot stays restorable for `sessions_ttl` from now
   * (anycable-go TouchSession on disconnect). Never rejects.
   */
  finishSession(sid: string): Eventually<void>;
}

/** One broker backend, selected by the `broker` option. */
export interface Broker extends PublicationLog, SessionStore {
  readonly name: BrokerName;
  /** The presence sets; null without a broker (broker=none: presence is refused, as in anycable-go). */
  readonly presence: PresenceStore | null;
  /** Connects to its backend (when it has one); resolves even if the backend is not reachable yet. */
  start(): Promise<void>;
  stop(): Promise<void>;
}
