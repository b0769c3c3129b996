import type { SessionSocket } from '../transport/session-socket.js';
import type { Session } from './session.js';

/**
 * Every live session, by socket (for the gateway's events) and by connection identifiers (for
 * remote disconnect commands). A single session per identifiers string, the common case, is
 * stored without a Set.
 */
export class SessionRegistry {
  private readonly bySocket = new Map<SessionSocket, Session>();
  private readonly bySid = new Map<string, Session>();
  private readonly byIdentifiers = new Map<string, Session | Set<Session>>();

  get size(): number {
    return this.bySocket.size;
  }

  /** Distinct connection identifiers among connected sessions. */
  get uniqueIdentifiers(): number {
    return this.byIdentifiers.size;
  }

  add(session: Session): void {
    this.bySocket.set(session.socket, session);
    this.bySid.set(session.sid, session);
  }

  /** The live session with this sid, if any (a restore takes a half-open one over). */
  withSid(sid: string): Session | undefined {
    return this.bySid.get(sid);
  }

  get(socket: SessionSocket): Session | undefined {
    return this.bySocket.get(socket);
  }

  all(): IterableIterator<Session> {
    return this.bySocket.values();
  }

  /** Called once the session knows its identifiers (after Connect). */
  indexIdentifiers(session: Session): void {
    const key = session.connectionIdentifiers;
    const current = this.byIdentifiers.get(key);
    if (current === undefined) this.byIdentifiers.set(key, session);
    else if (current instanceof Set) current.add(session);
    else if (current !== session) this.byIdentifiers.set(key, new Set([current, session]));
  }

  remove(session: Session): void {
    this.bySocket.delete(session.socket);
    if (this.bySid.get(session.sid) === session) this.bySid.delete(session.sid);
    const key = session.connectionIdentifiers;
    const current = this.byIdentifiers.get(key);
    if (current === session) this.byIdentifiers.delete(key);
    else if (current instanceof Set) {
      current.delete(session);
      if (current.size === 1) this.byIdentifiers.set(key, current.values().next().value as Session);
      else if (current.size === 0) this.byIdentifiers.delete(key);
    }
  }

  /** Sessions whose identifiers string equals `identifiers` exactly. */
  withIdentifiers(identifiers: string): Session[] {
    const current = this.byIdentifiers.get(identifiers);
    if (current === undefined) return [];
    return current instanceof Set ? [...current] : [current];
  }
}
