import type { PresenceResponse } from '#libs/protocol';

/** The istate key naming a subscription's presence stream (AnyCable's `$p`, read by the gateway). */
export const PRESENCE_STREAM_KEY = '$p';

/** Where `join` puts the session, when not the subscription's only stream. */
export interface PresenceJoinOptions {
  /** The presence stream; default: the one this subscription joined before, else the only stream followed in this call. */
  readonly stream?: string;
}

/**
 * Presence from channel code (AnyCable's `join_presence` / `leave_presence` of anycable-rails):
 * the gateway keeps the stream's set and tells every subscriber `join` / `leave`. One call asks for
 * one change; the last one asked wins.
 *
 * @typeParam Info what a member shares with the others (JSON-serialisable), e.g. `{ name: string }`
 */
export interface ChannelPresence<Info = unknown> {
  /**
   * This session joins the presence set as `id` (several sessions with one id count once). In
   * `subscribed` after `streamFrom`, or in an action. Throws when no presence stream can be told.
   */
  join(id: string | number, info?: Info, options?: PresenceJoinOptions): void;
  /** This session leaves the set (the gateway also removes it on unsubscribe, or presence_ttl after a disconnect). */
  leave(): void;
}

/** What one call asked, turned into the Command answer's `presence` and the `$p` state. */
export class PresenceRequest<Info = unknown> implements ChannelPresence<Info> {
  private asked: { type: 'join'; id: string; info: Info | undefined; stream: string } | { type: 'leave' } | null = null;

  /**
   * @param knownStream the subscription's presence stream from an earlier call (istate `$p`)
   * @param followed the streams followed in this call so far (read when `join` is called)
   */
  constructor(
    private readonly knownStream: string | undefined,
    private readonly followed: () => ReadonlySet<string>,
  ) {}

  join(id: string | number, info?: Info, options: PresenceJoinOptions = {}): void {
    const presenceId = String(id);
    if (presenceId === '') throw new TypeError('presence.join: the id must not be empty');
    const stream = options.stream ?? this.knownStream ?? this.onlyFollowed();
    if (info !== undefined) JSON.stringify(info); // throws now, in app code, for a value that cannot be sent
    this.asked = { type: 'join', id: presenceId, info, stream };
  }

  leave(): void {
    this.asked = { type: 'leave' };
  }

  /** The answer's `presence` (null when nothing was asked). */
  response(): PresenceResponse | null {
    if (!this.asked) return null;
    if (this.asked.type === 'leave') return { type: 'leave', id: '', info: '', ttl: 0 };
    const info = this.asked.info === undefined ? '' : JSON.stringify(this.asked.info);
    return { type: 'join', id: this.asked.id, info, ttl: 0 };
  }

  /** The presence stream to store in istate (`$p`) when this call names a new one. */
  streamChange(): string | null {
    return this.asked?.type === 'join' && this.asked.stream !== this.knownStream ? this.asked.stream : null;
  }

  private onlyFollowed(): string {
    const streams = [...this.followed()];
    if (streams.length === 1) return streams[0]!;
    throw new Error(
      `presence.join: pass { stream } — this subscription has no presence stream yet and this call follows ${streams.length} streams`,
    );
  }
}
