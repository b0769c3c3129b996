import type { DisconnectMode } from '../config/gateway-config.js';
import type { PublicationLog, SessionStore } from '../broker/broker.js';
import type { Hub } from '../hub/hub.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { DisconnectQueue } from '../rpc/disconnect-queue.js';
import type { CableRpc } from '../rpc/rpc-client.js';
import type { PresenceTracker } from '../presence/presence-tracker.js';
import type { StreamChannels } from '../streams/stream-channels.js';
import type { WhisperPublisher } from '../streams/whisper-publisher.js';
import type { ChannelCommands } from './channel-commands.js';
import type { LiveDeliveryContext } from './live-delivery.js';
import type { PingScheduler } from './ping-scheduler.js';
import type { SessionRegistry } from './session-registry.js';

export interface SessionOptions {
  readonly disconnectMode: DisconnectMode;
  readonly pingIntervalMs: number;
  /** 0 = no pongs required; else applies to extended-protocol sessions. */
  readonly pongTimeoutMs: number;
  /** See WsConfig.maxPendingCommands. */
  readonly maxPendingCommands: number;
  /** See BrokerConfig.historyHoldMs. */
  readonly historyHoldMs: number;
  /** See BrokerConfig.historyHoldSize. */
  readonly historyHoldSize: number;
  /** A command's deadline from its arrival (`rpc_request_timeout`). */
  readonly rpcRequestTimeoutMs: number;
  /** See WsConfig.maxSubscriptions; 0 = no limit. */
  readonly maxSubscriptions: number;
}

/** What every session shares: one reference per session instead of a copy of each collaborator. */
export interface SessionContext {
  readonly options: SessionOptions;
  readonly logger: GatewayLogger;
  readonly stats: GatewayStats;
  readonly hub: Hub;
  /** The broker seam: stream history and sessions kept for a restore (whatever the backend). */
  readonly broker: PublicationLog & SessionStore;
  readonly rpc: CableRpc;
  /** Presence sets and their events (whatever the broker). */
  readonly presence: Pick<PresenceTracker, 'join' | 'leave' | 'info' | 'sessionClosed'>;
  /** Signed, public and Turbo stream subscriptions answered without RPC. */
  readonly streams: StreamChannels;
  /** Where whispers go: this gateway's hub and, with a pub/sub, the other gateways. */
  readonly whispers: Pick<WhisperPublisher, 'publish'>;
  readonly disconnects: Pick<DisconnectQueue, 'enqueue'>;
  readonly pings: Pick<PingScheduler, 'add' | 'remove'>;
  readonly registry: Pick<SessionRegistry, 'indexIdentifiers' | 'remove' | 'withSid'>;
}

/**
 * What a session is given: the collaborators, plus what SessionService builds from them once for
 * every session (shared objects instead of per-session closures).
 */
export interface SessionRuntime extends SessionContext {
  /** Bounds, hold-end reporting and gap filling of every session's live delivery. */
  readonly delivery: LiveDeliveryContext;
  /** The subscription commands (and presence) every session runs. */
  readonly commands: ChannelCommands;
}
