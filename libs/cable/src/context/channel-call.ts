import type { StringMap } from '#libs/protocol';
import { PersistedState } from '../state/persisted-state.js';
import type { CableRequest } from './cable-request.js';
import type { ChannelContext } from './channel-context.js';
import { PresenceRequest } from './channel-presence.js';
import { subscriptionMessageTransmission } from '../runtime/transmissions.js';

/** Everything a channel call starts from. */
export interface ChannelCallInit {
  sid: string;
  identifier: string;
  channel: string;
  params: Record<string, unknown>;
  identifiers: Record<string, unknown>;
  state: PersistedState<Record<string, unknown>>;
  connectionState: PersistedState<Record<string, unknown>>;
  request: CableRequest;
  /** The subscription's presence stream from an earlier call (istate `$p`), if any. */
  presenceStream?: string;
}

/**
 * The {@link ChannelContext} of one call, recording what app code asked for (streams, transmissions,
 * rejection) so the command handler can turn it into a CommandResponse.
 */
export class ChannelCall implements ChannelContext {
  readonly sid: string;
  readonly identifier: string;
  readonly channel: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly identifiers: Readonly<Record<string, unknown>>;
  readonly request: CableRequest;
  /** Streams to follow, in the order asked. */
  readonly streams = new Set<string>();
  /** Streams to stop following. */
  readonly stoppedStreams = new Set<string>();
  /** Transmissions in the order asked (JSON frames). */
  readonly transmissions: string[] = [];
  stopAll = false;
  rejected = false;
  disconnectRequested = false;
  readonly presence: PresenceRequest;
  private readonly persistedState: PersistedState<Record<string, unknown>>;
  private readonly persistedConnectionState: PersistedState<Record<string, unknown>>;

  constructor(init: ChannelCallInit) {
    this.sid = init.sid;
    this.identifier = init.identifier;
    this.channel = init.channel;
    this.params = init.params;
    this.identifiers = init.identifiers;
    this.request = init.request;
    this.persistedState = init.state;
    this.persistedConnectionState = init.connectionState;
    this.presence = new PresenceRequest(init.presenceStream, () => this.streams);
  }

  get state(): Record<string, unknown> {
    return this.persistedState.value;
  }

  get connectionState(): Record<string, unknown> {
    return this.persistedConnectionState.value;
  }

  streamFrom(stream: string): void {
    requireStreamName(stream, 'streamFrom');
    this.streams.add(stream);
  }

  stopStreamFrom(stream: string): void {
    requireStreamName(stream, 'stopStreamFrom');
    // The gateway applies stops before follows: a stream followed earlier in this call must not be followed.
    this.streams.delete(stream);
    this.stoppedStreams.add(stream);
  }

  stopAllStreams(): void {
    this.stopAll = true;
    this.streams.clear();
    this.stoppedStreams.clear();
  }

  transmit(message: unknown): void {
    this.transmissions.push(subscriptionMessageTransmission(this.identifier, message));
  }

  reject(): void {
    this.rejected = true;
  }

  closeConnection(): void {
    this.disconnectRequested = true;
  }

  /** Subscription state changes to return as `env.istate`. */
  stateChanges(): StringMap {
    return this.persistedState.changes();
  }

  /** Connection state changes to return as `env.cstate`. */
  connectionStateChanges(): StringMap {
    return this.persistedConnectionState.changes();
  }
}

function requireStreamName(stream: unknown, method: string): void {
  if (typeof stream !== 'string' || stream === '') {
    throw new TypeError(`${method}: the stream name must be a non-empty string, got ${JSON.stringify(stream)}`);
  }
}
