import type { Publication } from '#libs/protocol';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { StreamPosition } from '../broker/broker.js';
import { broadcastPrefixOf, messageJsonOf } from '../protocol/server-frame.encoder.js';
import { EncodedOnce, type FrameEncoder } from '../transport/frame-encoder.js';
import type { StreamInterestListener } from './stream-interest.js';

/** Whatever can receive broadcast frames: a session's live delivery (or a bare socket). */
export interface HubSubscriber {
  readonly sid: string;
  /** How the subscriber's transport encodes a broadcast (WebSocket frame, SSE event); shared by every socket of its kind. */
  readonly encoder: FrameEncoder;
  /**
   * Writes a prebuilt broadcast frame (built by `encoder`) of the subscription `identifier` to `stream`, whose
   * publication is at `position` in the stream's history (null: not stored). False if it was not
   * written (closed, dropped as a slow client, or a duplicate of what history already sent).
   */
  sendFrame(frame: Buffer, identifier: string, stream: string, position: StreamPosition | null): boolean;
}

/** The subscribers of one stream that subscribed through the same identifier string. */
interface IdentifierGroup {
  readonly identifier: string;
  /** `{"identifier":"<id>","message":` — serialised once per group, not per broadcast. */
  readonly prefix: string;
  readonly subscribers: Set<HubSubscriber>;
}

/**
 * Stream → subscriptions index and fan-out. A stream's subscribers are grouped by identifier
 * (each frame names the subscription's identifier), so a broadcast is encoded once per
 * identifier group — once in all, in the common case of everyone using the same identifier —
 * and the same buffer is written to every subscriber of the group.
 * Knows nothing of RPC or sessions; delivery is synchronous, so order is kept per stream and per
 * connection.
 */
export class Hub {
  private readonly streams = new Map<string, Map<string, IdentifierGroup>>();
  private readonly listeners: StreamInterestListener[] = [];

  constructor(private readonly stats: GatewayStats) {}

  /** Registers a listener told when a stream gets its first subscriber and loses its last. */
  addInterestListener(listener: StreamInterestListener): void {
    this.listeners.push(listener);
  }

  /** Streams with at least one subscriber now. */
  followedStreams(): IterableIterator<string> {
    return this.streams.keys();
  }

  /** True while `stream` has at least one subscriber here. */
  isFollowed(stream: string): boolean {
    return this.streams.has(stream);
  }

  get streamCount(): number {
    return this.streams.size;
  }

  /** `subscriber` gets the broadcasts of `stream` through `identifier` (idempotent). */
  follow(stream: string, identifier: string, subscriber: HubSubscriber): void {
    let groups = this.streams.get(stream);
    if (!groups) {
      groups = new Map();
      this.streams.set(stream, groups);
      this.notify('streamFollowed', stream);
    }
    let group = groups.get(identifier);
    if (!group) {
      group = { identifier, prefix: broadcastPrefixOf(identifier), subscribers: new Set() };
      groups.set(identifier, group);
    }
    group.subscribers.add(subscriber);
  }

  /** Undoes {@link follow} (idempotent). */
  unfollow(stream: string, identifier: string, subscriber: HubSubscriber): void {
    const groups = this.streams.get(stream);
    const group = groups?.get(identifier);
    if (!groups || !group || !group.subscribers.delete(subscriber)) return;
    if (group.subscribers.size > 0) return;
    groups.delete(identifier);
    if (groups.size > 0) return;
    this.streams.delete(stream);
    this.notify('streamUnfollowed', stream);
  }

  /**
   * Delivers a publication to every subscription following its stream, except the session
   * named by `meta.exclude_socket`. With a `position` (the broadcast was stored in history) every
   * frame carries `stream_id`, `epoch` and `offset`, whatever the sub-protocol (anycable-go does
   * so: a plain-protocol client may ask for history too). Frames are encoded once per
   * (broadcast, identifier, encoder): WebSocket and SSE subscribers each share their bytes.
   * Returns the number of frames written.
   */
  deliver(publication: Publication, position: StreamPosition | null = null): number {
    const groups = this.streams.get(publication.stream);
    if (!groups) return 0;
    const messageJson = messageJsonOf(publication.data);
    const excluded = publication.meta?.exclude_socket;
    const stream = publication.stream;
    // A typed broadcast (presence events) names its type; those are transient, so they carry no position.
    const type = publication.meta?.broadcast_type;
    let sent = 0;
    for (const group of groups.values()) {
      const prefix = type ? broadcastPrefixOf(group.identifier, type) : group.prefix;
      const frames = EncodedOnce.broadcast({ prefix, messageJson, stream, position, type });
      for (const subscriber of group.subscribers) {
        if (subscriber.sid === excluded) continue;
        const frame = frames.bytesFor(subscriber.encoder);
        if (frame && subscriber.sendFrame(frame, group.identifier, stream, position)) sent++;
      }
    }
    this.stats.broadcastFramesSent += sent;
    return sent;
  }

  private notify(event: keyof StreamInterestListener, stream: string): void {
    for (const listener of this.listeners) listener[event](stream);
  }
}
