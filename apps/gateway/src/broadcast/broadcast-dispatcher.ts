import { isRemoteCommand, decodeBroadcast, type BroadcastMessage, type DecodeResult } from '#libs/protocol';
import type { StreamHistory } from '../broker/stream-history.js';
import type { Hub } from '../hub/hub.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { BroadcastSink } from './broadcast-intake.js';

/** Closes the sessions of a connection-identifiers string (remote disconnect command). */
export interface RemoteDisconnector {
  disconnectRemotely(identifiers: string, reconnect: boolean): number;
}

/**
 * Decodes what intakes receive and routes it: publications to the stream history (when there is a
 * broker; `meta.transient` ones are not stored) and the hub, remote commands to sessions.
 */
export class BroadcastDispatcher implements BroadcastSink {
  constructor(
    private readonly hub: Hub,
    private readonly sessions: RemoteDisconnector,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
    private readonly history: StreamHistory | null = null,
  ) {}

  deliverPayload(payload: string, source: string): DecodeResult {
    const decoded = decodeBroadcast(payload);
    if (decoded.ok) {
      this.deliverMessages(decoded.messages, source);
    } else {
      this.stats.broadcastsRefused++;
      this.logger.warn({ source, error: decoded.error, payload: payload.slice(0, 200) }, 'malformed broadcast ignored');
    }
    return decoded;
  }

  deliverMessages(messages: readonly BroadcastMessage[], source: string): void {
    for (const message of messages) {
      if (isRemoteCommand(message)) {
        const closed = this.sessions.disconnectRemotely(message.payload.identifier, message.payload.reconnect);
        this.logger.debug({ source, sessions: closed }, 'remote disconnect command');
        continue;
      }
      this.stats.broadcastsReceived++;
      const position = this.history && !message.meta?.transient ? this.history.append(message.stream, message.data) : null;
      const frames = this.hub.deliver(message, position);
      this.logger.debug({ source, stream: message.stream, frames }, 'broadcast delivered');
    }
  }
}
