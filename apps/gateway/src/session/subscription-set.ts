import type { StringMap } from '#libs/protocol';
import type { SessionSnapshot } from '../broker/broker.js';
import type { Hub, HubSubscriber } from '../hub/hub.js';

/** One subscription of a session: its RPC state (istate) and the streams it follows. */
export interface Subscription {
  istate: StringMap | null;
  /**
   * The streams it follows: none, the one (most subscriptions follow a single stream: kept as the
   * string, without a Set and its table, ~150 B), or several. Read with {@link streamsOf}.
   */
  streams: string | Set<string> | null;
  /** Answered by the gateway itself (signed/public stream, Turbo Streams): no RPC ever hears of it. */
  local: boolean;
}

/** The streams a subscription follows, in the order they were followed. */
export function streamsOf(subscription: Subscription): string[] {
  const { streams } = subscription;
  if (streams === null) return [];
  return typeof streams === 'string' ? [streams] : [...streams];
}

/**
 * A session's subscriptions by identifier, and the hub entries of the streams each follows: a
 * stream is followed in the hub exactly while it is in its subscription's `streams`. Most sessions
 * have one subscription: it is kept in two fields, and a Map (whose table alone is ~150 B) is made
 * only for a second one.
 */
export class SubscriptionSet {
  private onlyIdentifier: string | null = null;
  private only: Subscription | null = null;
  /** Every subscription in order, once there were two at a time (the fields above are then unused). */
  private byIdentifier: Map<string, Subscription> | null = null;

  constructor(
    private readonly hub: Pick<Hub, 'follow' | 'unfollow'>,
    /** What the hub writes this session's broadcast frames to (its live delivery). */
    private readonly subscriber: HubSubscriber,
  ) {}

  get size(): number {
    return this.byIdentifier ? this.byIdentifier.size : this.only ? 1 : 0;
  }

  get(identifier: string): Subscription | undefined {
    if (this.byIdentifier) return this.byIdentifier.get(identifier);
    return this.onlyIdentifier === identifier && this.only ? this.only : undefined;
  }

  has(identifier: string): boolean {
    return this.get(identifier) !== undefined;
  }

  identifiers(): string[] {
    return this.entries().map(([identifier]) => identifier);
  }

  add(identifier: string, subscription: Subscription): void {
    if (this.byIdentifier) {
      this.byIdentifier.set(identifier, subscription);
    } else if (!this.only || this.onlyIdentifier === identifier) {
      this.onlyIdentifier = identifier;
      this.only = subscription;
    } else {
      this.byIdentifier = new Map([[this.onlyIdentifier!, this.only]]);
      this.byIdentifier.set(identifier, subscription);
      this.onlyIdentifier = null;
      this.only = null;
    }
  }

  /** Stops the subscription's streams and forgets it. */
  remove(identifier: string, subscription: Subscription): void {
    this.stopAll(identifier, subscription);
    if (this.byIdentifier) {
      this.byIdentifier.delete(identifier);
    } else if (this.onlyIdentifier === identifier) {
      this.onlyIdentifier = null;
      this.only = null;
    }
  }

  follow(identifier: string, subscription: Subscription, stream: string): void {
    const { streams } = subscription;
    if (streams === null) subscription.streams = stream;
    else if (typeof streams === 'string') {
      if (streams !== stream) subscription.streams = new Set([streams, stream]);
    } else streams.add(stream);
    this.hub.follow(stream, identifier, this.subscriber);
  }

  stop(identifier: string, subscription: Subscription, stream: string): void {
    const { streams } = subscription;
    let followed = false;
    if (typeof streams === 'string') {
      followed = streams === stream;
      if (followed) subscription.streams = null;
    } else if (streams) {
      followed = streams.delete(stream);
    }
    if (followed) this.hub.unfollow(stream, identifier, this.subscriber);
  }

  stopAll(identifier: string, subscription: Subscription): void {
    for (const stream of streamsOf(subscription)) this.hub.unfollow(stream, identifier, this.subscriber);
    subscription.streams = null;
  }

  /** On close: no stream reaches the session any more; the subscriptions stay for Disconnect. */
  stopEveryStream(): void {
    for (const [identifier, subscription] of this.entries()) this.stopAll(identifier, subscription);
  }

  /** What the session cache keeps (broker=memory), in subscription order. */
  snapshot(): SessionSnapshot['subscriptions'] {
    return this.entries().map(([identifier, subscription]) => ({
      identifier,
      istate: subscription.istate,
      streams: streamsOf(subscription),
    }));
  }

  /**
   * The subscriptions of a Disconnect call and their istate (JSON per identifier). Stream
   * subscriptions are the gateway's own: the RPC app has no channel to unsubscribe them from.
   */
  forDisconnect(): { subscriptions: string[]; istate: StringMap } {
    const istate: StringMap = {};
    const subscriptions: string[] = [];
    for (const [identifier, subscription] of this.entries()) {
      if (subscription.local) continue;
      subscriptions.push(identifier);
      istate[identifier] = JSON.stringify(subscription.istate ?? {});
    }
    return { subscriptions, istate };
  }

  /** Every subscription, in the order they were made. */
  private entries(): Array<[string, Subscription]> {
    if (this.byIdentifier) return [...this.byIdentifier];
    return this.only ? [[this.onlyIdentifier!, this.only]] : [];
  }
}
