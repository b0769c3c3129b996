import type { Stamp } from '../stamped-payload.js';

/**
 * What a load client subscribes to: an Action Cable identifier, or a Socket.IO room (the stream).
 * `{client}` in either is replaced by a name unique to each connection (e.g. one actuator each).
 */
export interface SubscriptionTarget {
  identifier: string;
  stream: string;
}

/** What a frame from the server means to a load client. */
export type FrameEvent =
  | { type: 'ready' }
  | { type: 'subscribed' }
  | { type: 'rejected'; reason: string }
  | { type: 'broadcast'; stamp: Stamp }
  | { type: 'reply' }
  | { type: 'respond'; frame: string }
  | { type: 'disconnect'; reason: string }
  | { type: 'ignore' };

/** The wire protocol a load client speaks: how to read frames and how to write commands. */
export interface ClientProtocol {
  readonly subprotocols: string[];
  classify(frame: string): FrameEvent;
  /** A subscribe whose confirmation comes back as `subscribed` (ackId 0) or as `reply` (ackId > 0). */
  subscribeFrame(target: SubscriptionTarget, ackId: number): string;
  unsubscribeFrame(target: SubscriptionTarget): string;
  /** A command whose answer comes back as `reply`. */
  commandFrame(target: SubscriptionTarget, data: Record<string, unknown>, ackId: number): string;
}

/** Placeholder of a per-connection name in a SubscriptionTarget. */
export const CLIENT_PLACEHOLDER = '{client}';

/** The target of one connection: the placeholder replaced by its unique name. */
export function targetFor(target: SubscriptionTarget, clientName: string): SubscriptionTarget {
  if (!target.identifier.includes(CLIENT_PLACEHOLDER) && !target.stream.includes(CLIENT_PLACEHOLDER)) return target;
  return {
    identifier: target.identifier.replaceAll(CLIENT_PLACEHOLDER, clientName),
    stream: target.stream.replaceAll(CLIENT_PLACEHOLDER, clientName),
  };
}
