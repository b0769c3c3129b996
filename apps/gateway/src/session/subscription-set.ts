import type { StringMap } from '#libs/protocol';
import type { SessionSnapshot } from '../broker/broker.js';
import type { Hub, HubSubscriber } from '../hub/hub.js';

/** One subscription of a session: its RPC state (istate) and the streams it follows. */
export interface Subscription {
  istate: StringMap | null;
  streams: Set<string> | null;
  /** Answered by the gateway itself (signed/public stream, Turbo Streams): no RPC ever hears of it. */
  local: boolean;
}

/**
 * A session's subscriptions by identifier, and the hub entries of the streams each follows: a
 * stream is followed in the hub exactly while it is in its subscription's `streams`.
 */
export class SubscriptionSet {
  private readonly byIdentifier = new Map<string, Subscription>();

  constructor(
    private readonly hub: Pick<Hub, 'follow' | 'unfollow'>,
    /** What the hub writes this session's broadcast frames to (its live delivery). */
    private readonly subscriber: HubSubscriber,
  ) {}

  get size(): number {
    return this.byIdentifier.size;
  }

  get(identifier: string): Subscription | undefined {
    return this.byIdentifier.get(identifier);
  }

  has(identifier: string): boolean {
    return this.byIdentifier.has(identifier);
  }

  identifiers(): string[] {
    return [...this.byIdentifier.keys()];
  }

  add(identifier: string, subscription: Subscription): void {
    this.byIdentifier.set(identifier, subscription);
  }

  /** Stops the subscription's streams and forgets it. */
  remove(identifier: string, subscription: Subscription): void {
    this.stopAll(identifier, subscription);
    this.byIdentifier.delete(identifier);
  }

  follow(identifier: string, subscription: Subscription, stream: string): void {
    (subscription.streams ??= new Set()).add(stream);
    this.hub.follow(stream, identifier, this.subscriber);
  }

  stop(identifier: string, subscription: Subscription, stream: string): void {
    if (subscription.streams?.delete(stream)) this.hub.unfollow(stream, identifier, this.subscriber);
  }

  stopAll(identifier: string, subscription: Subscription): void {
    if (!subscription.streams) return;
    for (const stream of subscription.streams) this.hub.unfollow(stream, identifier, this.subscriber);
    subscription.streams = null;
  }

  /** On close: no stream reaches the session any more; the subscriptions stay for Disconnect. */
  stopEveryStream(): void {
    for (const [identifier, subscription] of this.byIdentifier) this.stopAll(identifier, subscription);
  }

  /** What the session cache keeps (broker=memory), in subscription order. */
  snapshot(): SessionSnapshot['subscriptions'] {
    return [...this.byIdentifier].map(([identifier, subscription]) => ({
      identifier,
      istate: subscription.istate,
      streams: [...(subscription.streams ?? [])],
    }));
  }

  /**
   * The subscriptions of a Disconnect call and their istate (JSON per identifier). Stream
   * subscriptions are the gateway's own: the RPC app has no channel to unsubscribe them from.
   */
  forDisconnect(): { subscriptions: string[]; istate: StringMap } {
    const istate: StringMap = {};
    const subscriptions: string[] = [];
    for (const [identifier, subscription] of this.byIdentifier) {
      if (subscription.local) continue;
      subscriptions.push(identifier);
      istate[identifier] = JSON.stringify(subscription.istate ?? {});
    }
    return { subscriptions, istate };
  }
}
