import { isRemoteCommand, decodeBroadcast, type BroadcastMessage, type DecodeResult } from '#libs/protocol';
import type { PublicationLog } from '../broker/broker.js';
import type { Hub } from '../hub/hub.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { BroadcastSink, DeliveredListener } from './broadcast-intake.js';
import { decodeRelayed } from './pubsub/relay-message.js';
import { OffsetOrder } from './offset-order.js';
import { StreamSequencer } from './stream-sequencer.js';

/** Closes the sessions of a connection-identifiers string (remote disconnect command). */
export interface RemoteDisconnector {
  disconnectRemotely(identifiers: string, reconnect: boolean): number;
}

/**
 * Registrations waiting for a networked broker at once, across streams. 10,000 covers a few
 * seconds of a busy gateway's publications while the broker answers slowly; past it publications
 * are delivered without a position (and not stored).
 */
export const MAX_PENDING_REGISTRATIONS = 10_000;

/**
 * Decodes what intakes receive and routes it: publications to the broker (which stores them and
 * gives their position; `meta.transient` ones are not stored) and then the hub, in each stream's
 * order; remote commands to sessions.
 */
export class BroadcastDispatcher implements BroadcastSink {
  private readonly sequencer: StreamSequencer;

  constructor(
    private readonly hub: Hub,
    private readonly sessions: RemoteDisconnector,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
    broker: PublicationLog,
  ) {
    // Each stream's publications reach the hub in offset order, even when two gateways took some at once.
    const ordered = new OffsetOrder((publication, position) => {
      const frames = this.hub.deliver(publication, position);
      this.logger.debug({ stream: publication.stream, frames, offset: position?.offset }, 'broadcast delivered');
    });
    this.sequencer = new StreamSequencer(broker, (publication, position) => ordered.push(publication, position), MAX_PENDING_REGISTRATIONS, logger);
    stats.registerGauge('broker_pending_num', () => this.sequencer.pending);
    stats.registerGauge('broadcast_reorder_held_num', () => ordered.held);
  }

  deliverPayload(payload: string, source: string, delivered?: DeliveredListener): DecodeResult {
    const decoded = decodeBroadcast(payload);
    if (decoded.ok) {
      this.deliverMessages(decoded.messages, source, delivered);
    } else {
      this.stats.broadcastsRefused++;
      this.logger.warn({ source, error: decoded.error, payload: payload.slice(0, 200) }, 'malformed broadcast ignored');
    }
    return decoded;
  }

  deliverMessages(messages: readonly BroadcastMessage[], source: string, delivered?: DeliveredListener): void {
    for (const message of messages) {
      if (isRemoteCommand(message)) {
        const closed = this.sessions.disconnectRemotely(message.payload.identifier, message.payload.reconnect);
        this.logger.debug({ source, sessions: closed }, 'remote disconnect command');
        delivered?.(message, null);
        continue;
      }
      this.stats.broadcastsReceived++;
      this.sequencer.push(message, !message.meta?.transient, delivered);
    }
  }

  /**
   * A publication or command another gateway took and relayed (see StreamRelay): delivered here
   * with the position the broker gave it there, never registered again (anycable-go's pub/sub
   * carries registered messages the same way).
   */
  deliverRelayed(payload: string): void {
    const relayed = decodeRelayed(payload);
    if (!relayed.ok) {
      this.stats.broadcastsRefused++;
      this.logger.warn({ source: 'pubsub', error: relayed.error, payload: payload.slice(0, 200) }, 'malformed relay ignored');
      return;
    }
    if (isRemoteCommand(relayed.message)) {
      this.deliverMessages([relayed.message], 'pubsub');
      return;
    }
    this.stats.broadcastsReceived++;
    this.sequencer.pushRegistered(relayed.message, relayed.position);
  }
}
