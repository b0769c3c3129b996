import type { Eventually } from '../broker.js';
import type { PresenceEvent, PresenceInfo, PresenceInfoValue } from './presence-set.js';

/** A change asked of the store: what it announces (null: nothing), or why it was refused. */
export type PresenceOutcome = { ok: true; event: PresenceEvent | null } | { ok: false; error: string };

/** A `leave` found by {@link PresenceStore.expire}, with its stream. */
export interface ExpiredPresence {
  readonly stream: string;
  readonly event: PresenceEvent;
}

/**
 * The presence part of the broker seam (anycable-go broker.Broker PresenceAdd / PresenceRemove /
 * PresenceInfo / TouchPresence). Every gateway sharing a backend sees the same sets, and each
 * change is answered to one caller only, so exactly one gateway announces it. Never rejects: an
 * unreachable backend is a refusal (`ok: false`) or an empty answer.
 */
export interface PresenceStore {
  /** Whether every gateway on this backend shares the sets (false: this process only). */
  readonly shared: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** `sid` joins `stream`'s set as `id`; it stays until `deadline` (unix ms) unless touched. */
  add(stream: string, sid: string, id: string, info: PresenceInfoValue, deadline: number): Eventually<PresenceOutcome>;
  /** `sid` leaves `stream`'s set. */
  remove(stream: string, sid: string): Eventually<PresenceOutcome>;
  /** The sessions of `sids` in `stream`'s set are still connected: their deadline moves to `deadline`. */
  touch(stream: string, sids: ReadonlySet<string>, deadline: number): Eventually<void>;
  /** Removes sessions whose deadline passed, on every stream; gives the `leave`s that causes. */
  expire(now: number): Eventually<ExpiredPresence[]>;
  /** The current set of `stream` (null: the backend did not answer). */
  info(stream: string): Eventually<PresenceInfo | null>;
}
