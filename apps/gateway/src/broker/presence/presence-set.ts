/**
 * One stream's presence set as a plain value, and the pure operations on it (anycable-go
 * broker/memory.go PresenceAdd / PresenceRemove / expirePresence, rewritten over a value so that a
 * shared backend can store it as one document and change it with compare-and-set).
 *
 * A record is one presence id; it has one entry per session that joined with that id, each with
 * the time (unix ms) after which it is gone unless its gateway touches it again. A record exists
 * while it has a session: `join` is announced when a record appears, `leave` when it disappears.
 */

/** What a presence id shares with the others (any JSON value, or the raw string the RPC app sent). */
export type PresenceInfoValue = unknown;

/** A change of the set announced to every subscriber (anycable-go common.PresenceEvent). */
export interface PresenceEvent {
  readonly type: 'join' | 'leave';
  readonly id: string;
  /** Only on `join`. */
  readonly info?: PresenceInfoValue;
}

/** The answer to a `presence` command (anycable-go common.PresenceInfo). */
export interface PresenceInfo {
  readonly type: 'info';
  readonly total: number;
  readonly records: ReadonlyArray<{ id: string; info?: PresenceInfoValue }>;
}

export interface PresenceRecord {
  info: PresenceInfoValue;
  /** sid → deadline (unix ms). */
  sessions: Record<string, number>;
}

/** One stream's set: presence id → record. */
export type PresenceSet = Record<string, PresenceRecord>;

/** An operation's new set (null: nothing left, forget the stream) and what it announces. */
export interface PresenceChange<T = PresenceEvent | null> {
  readonly set: PresenceSet | null;
  readonly result: T;
}

/** A refusal anycable-go also makes; the session logs it and goes on. */
export class PresenceRefusal extends Error {}

/** A deep copy without prototypes, so an id or sid such as `__proto__` is an ordinary key. */
function copy(set: PresenceSet | null): PresenceSet {
  const result = Object.create(null) as PresenceSet;
  for (const [id, record] of Object.entries(set ?? {})) {
    result[id] = { info: record.info, sessions: Object.assign(Object.create(null) as Record<string, number>, record.sessions) };
  }
  return result;
}

function orNull(set: PresenceSet): PresenceSet | null {
  return Object.keys(set).length > 0 ? set : null;
}

/** The presence id `sid` joined with, if any. */
export function presenceIdOf(set: PresenceSet | null, sid: string): string | undefined {
  for (const [id, record] of Object.entries(set ?? {})) if (Object.hasOwn(record.sessions, sid)) return id;
  return undefined;
}

/**
 * `sid` joins as `id`: `join` when `id` was not in the set. A session that joined again refreshes
 * the record's info (the latest wins, as in anycable-go); joining under another id is refused.
 */
export function addPresence(set: PresenceSet | null, sid: string, id: string, info: PresenceInfoValue, deadline: number): PresenceChange {
  const current = presenceIdOf(set, sid);
  if (current !== undefined && current !== id) throw new PresenceRefusal(`presence ID mismatch: this session joined as ${JSON.stringify(current)}`);
  const next = copy(set);
  const isNew = !Object.hasOwn(next, id);
  const record = (next[id] ??= { info, sessions: Object.create(null) as Record<string, number> });
  record.info = info;
  record.sessions[sid] = deadline;
  return { set: next, result: isNew ? { type: 'join', id, info } : null };
}

/** `sid` leaves: `leave` when it was the last session of its id. Refused when it had not joined. */
export function removePresence(set: PresenceSet | null, sid: string): PresenceChange {
  const id = presenceIdOf(set, sid);
  if (id === undefined) throw new PresenceRefusal('presence info not found: this session has not joined');
  const next = copy(set);
  const record = next[id]!;
  delete record.sessions[sid];
  if (Object.keys(record.sessions).length > 0) return { set: next, result: null };
  delete next[id];
  return { set: orNull(next), result: { type: 'leave', id } };
}

/** Sets the deadline of those of `sids` that are in the set (their gateway still holds them). */
export function touchPresence(set: PresenceSet | null, sids: ReadonlySet<string>, deadline: number): PresenceChange<number> {
  const next = copy(set);
  let touched = 0;
  for (const record of Object.values(next)) {
    for (const sid of Object.keys(record.sessions)) {
      if (sids.has(sid)) {
        record.sessions[sid] = deadline;
        touched++;
      }
    }
  }
  return { set: orNull(next), result: touched };
}

/** Drops the sessions whose deadline passed; `leave` for each id left without a session. */
export function expirePresence(set: PresenceSet | null, now: number): PresenceChange<PresenceEvent[]> {
  const next = copy(set);
  const events: PresenceEvent[] = [];
  for (const [id, record] of Object.entries(next)) {
    for (const [sid, deadline] of Object.entries(record.sessions)) if (deadline < now) delete record.sessions[sid];
    if (Object.keys(record.sessions).length === 0) {
      delete next[id];
      events.push({ type: 'leave', id });
    }
  }
  return { set: orNull(next), result: events };
}

/** The earliest deadline of the set (when it must be looked at again), Infinity when empty. */
export function nextDeadlineOf(set: PresenceSet | null): number {
  let earliest = Infinity;
  for (const record of Object.values(set ?? {})) for (const deadline of Object.values(record.sessions)) earliest = Math.min(earliest, deadline);
  return earliest;
}

/** The `presence` command's answer for a set. */
export function presenceInfoOf(set: PresenceSet | null): PresenceInfo {
  const records = Object.entries(set ?? {}).map(([id, record]) => (record.info === undefined ? { id } : { id, info: record.info }));
  return { type: 'info', total: records.length, records };
}
