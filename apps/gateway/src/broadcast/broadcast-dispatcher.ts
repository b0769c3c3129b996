import { isRemoteCommand, decodeBroadcast, type BroadcastMessage, type DecodeResult } from '#libs/protocol';
import type { PublicationLog } from '../broker/broker.js';
import { MAX_HISTORY_STREAMS } from '../broker/stream-history.js';
import type { Hub } from '../hub/hub.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { BroadcastSink } from './broadcast-intake.js';
import { PositionOrder } from './position-order.js';
import { decodeRelayed } from './pubsub/relay-message.js';
import { StreamSequencer, type PositionedDelivery } from './stream-sequencer.js';

/** Closes the sessions of a connection-identifiers string (remote disconnect command). */
export interface RemoteDisconnector {
  disconnectRemotely(identifiers: string, reconnect: boolean): number;
}

export interface DispatcherOptions {
  /** Where publications get their position (the broker). */
  readonly broker: PublicationLog;
  /**
   * True when the broker is shared by every gateway (redis, nats): a publication is registered by
   * the gateway that took it and relayed with its position; the others deliver it as it is.
   * False (memory, none): each gateway registers what it delivers, relays included.
   */
  readonly distributed: boolean;
  /** `broker_max_pending`: registrations waiting at once, and publications waiting for a gap. */
  readonly maxPending: number;
  /** `broker_reorder_milliseconds`: how long a publication waits for an earlier offset. */
  readonly reorderMs: number;
}

/** What the pub/sub relay needs besides a plain sink. */
export interface RelaySink extends BroadcastSink {
  /** Delivers messages this gateway took (http, redisx); each publication, once registered, goes to `forward` with its position. */
  deliverTaken(messages: readonly BroadcastMessage[], source: string, forward: PositionedDelivery): void;
  /** Delivers a message another gateway relayed, with the position it carries (shared broker). */
  deliverRelayed(payload: string, source: string): void;
}

/**
 * Decodes what intakes receive and routes it: publications to the broker (which stores them and
 * gives their position; `meta.transient` ones are not stored), then to the hub in each stream's
 * order; remote commands to sessions.
 */
export class BroadcastDispatcher implements RelaySink {
  private readonly sequencer: StreamSequencer;
  private readonly order: PositionOrder;
  /**
   * The sink of fan-out intakes (redis pub/sub, nats) under a shared broker: every gateway receives
   * every publication, so none may register it (it would be stored once per gateway). They are
   * delivered without a position, as anycable-go does ("with legacy adapters a broker has no effect").
   */
  readonly unstored: BroadcastSink;

  constructor(
    private readonly hub: Hub,
    private readonly sessions: RemoteDisconnector,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
    private readonly options: DispatcherOptions,
  ) {
    this.order = new PositionOrder(
      (publication, position) => {
        const frames = this.hub.deliver(publication, position);
        this.logger.debug({ stream: publication.stream, frames, offset: position?.offset }, 'broadcast delivered');
      },
      { windowMs: options.reorderMs, maxHeld: options.maxPending, maxStreams: MAX_HISTORY_STREAMS, isFollowed: (stream) => hub.isFollowed(stream), fill: (stream, after) => options.broker.historyFrom(stream, after) },
    );
    hub.addInterestListener(this.order);
    this.sequencer = new StreamSequencer(options.broker, (publication, position) => this.order.accept(publication, position), options.maxPending, logger);
    stats.registerGauge('broker_pending_num', () => this.sequencer.pending);
    stats.registerGauge('broadcast_reorder_held_num', () => this.order.held);
    this.unstored = {
      deliverPayload: (payload, source) => this.decodeThen(payload, source, (messages) => this.route(messages, source, false)),
      deliverMessages: (messages, source) => this.route(messages, source, false),
    };
  }

  deliverPayload(payload: string, source: string): DecodeResult {
    return this.decodeThen(payload, source, (messages) => this.route(messages, source, true));
  }

  deliverMessages(messages: readonly BroadcastMessage[], source: string): void {
    this.route(messages, source, true);
  }

  deliverTaken(messages: readonly BroadcastMessage[], source: string, forward: PositionedDelivery): void {
    // A local broker's positions mean nothing to the other gateways: they register the relay themselves.
    this.route(messages, source, true, this.options.distributed ? forward : (publication) => forward(publication, null));
  }

  deliverRelayed(payload: string, source: string): void {
    const relayed = decodeRelayed(payload);
    if (!relayed.ok) {
      this.refused(payload, source, relayed.error);
      return;
    }
    const { message, position } = relayed;
    if (isRemoteCommand(message) || !this.options.distributed) {
      this.route([message], source, true);
      return;
    }
    // Registered by the gateway that took it: delivered with its position, in offset order.
    this.stats.broadcastsReceived++;
    this.order.accept(message, position);
  }

  private decodeThen(payload: string, source: string, then: (messages: readonly BroadcastMessage[]) => void): DecodeResult {
    const decoded = decodeBroadcast(payload);
    if (decoded.ok) then(decoded.messages);
    else this.refused(payload, source, decoded.error);
    return decoded;
  }

  private refused(payload: string, source: string, error: string): void {
    this.stats.broadcastsRefused++;
    this.logger.warn({ source, error, payload: payload.slice(0, 200) }, 'malformed broadcast ignored');
  }

  private route(messages: readonly BroadcastMessage[], source: string, register: boolean, forward?: PositionedDelivery): void {
    for (const message of messages) {
      if (isRemoteCommand(message)) {
        const closed = this.sessions.disconnectRemotely(message.payload.identifier, message.payload.reconnect);
        this.logger.debug({ source, sessions: closed }, 'remote disconnect command');
        continue;
      }
      this.stats.broadcastsReceived++;
      this.sequencer.push(message, register && !message.meta?.transient, forward);
    }
  }
}
