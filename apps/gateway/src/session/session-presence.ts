import type { PresenceResponse, StringMap } from '#libs/protocol';
import type { PresenceInfoValue } from '../broker/presence/presence-set.js';
import { encodePresence } from '../protocol/server-frame.encoder.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';

/** The istate key naming a subscription's presence stream (anycable-go's PRESENCE_STREAM_STATE). */
export const PRESENCE_STREAM_STATE = '$p';

/** What a session's presence commands need from their session. */
export interface PresenceSessionPort {
  readonly sid: string;
  /** Sends a frame while the session is connected (nothing once it closes). */
  sendWhileConnected(frame: string): void;
  /** Logs refused input (bounded per session) and goes on. */
  badInput(message: string, fields?: Record<string, unknown>): void;
  log(level: 'debug', message: string, fields?: Record<string, unknown>): void;
}

/**
 * A session's presence (anycable-go node.go PresenceJoin / PresenceLeave / Presence and the
 * `presence` of Command answers). A subscription takes part when its istate names a presence
 * stream (`$p`, set by the RPC app or the signed-streams controller). Refusals are logged and
 * the session goes on, as in anycable-go; a `presence` command that cannot be answered gets
 * `{"type":"presence","message":{"type":"error"}}` (anycable-go sends it for backend errors; here
 * also for a missing subscription or presence stream, so @anycable/web's `info()` fails instead of waiting forever).
 */
export class SessionPresence {
  /** One for every session of the gateway: the session is an argument, so a session holds nothing for presence until it joins. */
  constructor(private readonly tracker: Pick<PresenceTracker, 'join' | 'leave' | 'info' | 'sessionClosed'>) {}

  /** A client's `join` (or the `presence` of its `subscribe`): `{ id, info }`, id a non-empty string. */
  async join(session: PresenceSessionPort, identifier: string, istate: StringMap | null | undefined, presence: unknown): Promise<void> {
    const stream = this.streamOf(session, identifier, istate, 'join');
    if (!stream) return;
    if (typeof presence !== 'object' || presence === null || Array.isArray(presence)) {
      session.badInput('join without a "presence" object: ignored', { identifier });
      return;
    }
    const { id, info } = presence as { id?: unknown; info?: unknown };
    if (typeof id !== 'string' || id === '') {
      session.badInput('join without a presence id (a non-empty string): ignored', { identifier });
      return;
    }
    await this.apply(session, 'join', identifier, this.tracker.join(session.sid, stream, id, info));
  }

  /** A client's `leave`. */
  async leave(session: PresenceSessionPort, identifier: string, istate: StringMap | null | undefined): Promise<void> {
    const stream = this.streamOf(session, identifier, istate, 'leave');
    if (stream) await this.apply(session, 'leave', identifier, this.tracker.leave(session.sid, stream));
  }

  /** A client's `presence`: the set of the subscription's presence stream. */
  async answer(session: PresenceSessionPort, identifier: string, istate: StringMap | null | undefined): Promise<void> {
    const stream = this.streamOf(session, identifier, istate, 'presence');
    const info = stream ? await this.tracker.info(stream) : null;
    session.sendWhileConnected(encodePresence(identifier, info ?? { type: 'error' }));
  }

  /** The `presence` of a Command answer: join or leave on the client's behalf (info arrives JSON-encoded). */
  async fromRpc(session: PresenceSessionPort, identifier: string, istate: StringMap | null | undefined, presence: PresenceResponse): Promise<void> {
    if (presence.type === 'join') await this.join(session, identifier, istate, { id: presence.id, info: decodeInfo(presence.info) });
    else if (presence.type === 'leave') await this.leave(session, identifier, istate);
    else session.badInput('RPC answer with an unknown presence type: ignored', { identifier, presence: presence.type });
  }

  /** The subscription is gone (unsubscribe): its session leaves the set, if it had joined. */
  async unsubscribed(session: PresenceSessionPort, identifier: string, istate: StringMap | null | undefined): Promise<void> {
    const stream = istate?.[PRESENCE_STREAM_STATE];
    if (!stream) return;
    const refusal = await this.tracker.leave(session.sid, stream);
    if (refusal) session.log('debug', 'no presence to leave on unsubscribe', { identifier, reason: refusal });
  }

  /** The session closed without leaving: its records expire after presence_ttl. */
  closed(session: PresenceSessionPort): void {
    this.tracker.sessionClosed(session.sid);
  }

  private streamOf(session: PresenceSessionPort, identifier: string, istate: StringMap | null | undefined, command: string): string | null {
    if (istate === undefined) {
      session.badInput(`${command} for an unknown subscription: ignored`, { identifier });
      return null;
    }
    const stream = istate?.[PRESENCE_STREAM_STATE];
    if (!stream) {
      session.badInput(`${command}: this subscription has no presence stream (istate $p): ignored`, { identifier });
      return null;
    }
    return stream;
  }

  private async apply(session: PresenceSessionPort, command: string, identifier: string, outcome: Promise<string | null>): Promise<void> {
    const refusal = await outcome;
    if (refusal) session.badInput(`${command} refused: ${refusal}`, { identifier });
  }
}

/** The RPC app's info: JSON when it parses (anycable-go), else the string itself; none when empty. */
function decodeInfo(info: string): PresenceInfoValue {
  if (info === '') return undefined;
  try {
    return JSON.parse(info) as PresenceInfoValue;
  } catch {
    return info;
  }
}
