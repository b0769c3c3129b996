import { decodeBroadcast, isRemoteCommand, type BroadcastMessage, type DecodeResult } from '#libs/protocol';
import type { StreamPosition } from '../../broker/broker.js';
import type { StreamInterestListener } from '../../hub/stream-interest.js';
import type { GatewayLogger } from '../../log/logger.js';
import type { GatewayStats } from '../../metrics/gateway-stats.js';
import type { BroadcastSink } from '../broadcast-intake.js';
import type { RelaySink } from '../broadcast-dispatcher.js';
import type { PubsubTransport } from './pubsub-transport.js';
import { encodeRelayed, relayPrefixOf } from './relay-message.js';

/** Where the relay learns which streams this gateway follows (the hub). */
export interface StreamInterestSource {
  addInterestListener(listener: StreamInterestListener): void;
  followedStreams(): Iterable<string>;
}

/**
 * The sink of the intakes that hand each publication to ONE gateway (http, redisx): it delivers
 * the publication here, then relays it through the pub/sub layer to the other gateways, which
 * deliver it too. This gateway skips its own echo (it delivered already), so no subscriber gets a
 * publication twice. Remote commands go to the command channel every gateway follows.
 *
 * Per-stream channels: the relay subscribes to a stream's channel when the hub says the stream
 * got its first local subscriber, and unsubscribes when it lost its last, so a gateway receives
 * only the streams it has subscribers for. Order: one gateway relays in the order it delivers,
 * over one connection, so the others see a stream's publications in that order.
 *
 * Bound: at most `maxPending` relays wait for the pub/sub server (it is down or slow); past it a
 * relay is dropped — the other gateways miss it — counted (`pubsub_dropped_total`) and logged.
 */
export class StreamRelay implements BroadcastSink, StreamInterestListener {
  private pending = 0;
  /** Over maxPending since the last time it drained to half: drops are logged once per episode. */
  private dropping = false;
  /** The pub/sub server refused the last relay: failures are logged once until one succeeds. */
  private failing = false;
  private running = false;
  private readonly ownPrefix: string;

  constructor(
    private readonly transport: PubsubTransport,
    private readonly local: RelaySink,
    private readonly interest: StreamInterestSource,
    private readonly nodeId: string,
    private readonly maxPending: number,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {
    this.ownPrefix = relayPrefixOf(nodeId);
    stats.registerGauge('pubsub_pending_num', () => this.pending);
  }

  get name(): string {
    return this.transport.name;
  }

  async start(): Promise<void> {
    this.running = true;
    this.interest.addInterestListener(this);
    for (const stream of this.interest.followedStreams()) this.transport.followStream(stream);
    await this.transport.start((payload) => this.receive(payload));
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.transport.stop();
  }

  streamFollowed(stream: string): void {
    if (this.running) this.transport.followStream(stream);
  }

  streamUnfollowed(stream: string): void {
    if (this.running) this.transport.unfollowStream(stream);
  }

  deliverPayload(payload: string, source: string): DecodeResult {
    const decoded = decodeBroadcast(payload);
    if (decoded.ok) this.deliverMessages(decoded.messages, source);
    // A malformed payload: the local sink counts and logs it (and answers the same error).
    else return this.local.deliverPayload(payload, source);
    return decoded;
  }

  /**
   * Delivers here, then relays: remote commands at once, publications once registered (with their
   * position when the broker is shared), in each stream's registration order.
   */
  deliverMessages(messages: readonly BroadcastMessage[], source: string): void {
    this.local.deliverTaken(messages, source, (publication, position) => this.relay(publication, position));
    for (const message of messages) if (isRemoteCommand(message)) this.relay(message, null);
  }

  private relay(message: BroadcastMessage, position: StreamPosition | null): void {
    if (!this.running) return;
    if (this.pending >= this.maxPending) {
      this.drop(message);
      return;
    }
    const payload = encodeRelayed(message, this.nodeId, position);
    const published = isRemoteCommand(message) ? this.transport.publishCommand(payload) : this.transport.publishToStream(message.stream, payload);
    this.pending++;
    published.then(
      () => {
        this.pending--;
        this.stats.broadcastsRelayed++;
        if ((this.dropping && this.pending < this.maxPending / 2) || this.failing) {
          this.dropping = this.failing = false;
          this.logger.info({ pubsub: this.name }, 'pub/sub relays flowing again');
        }
      },
      (error: Error) => {
        this.pending--;
        this.stats.relayDropped++;
        if (!this.failing) this.logger.warn({ pubsub: this.name, err: error.message }, 'relay to the other gateways failed: dropped (further failures counted, not logged)');
        this.failing = true;
      },
    );
  }

  private drop(message: BroadcastMessage): void {
    this.stats.relayDropped++;
    if (this.dropping) return;
    this.dropping = true;
    const stream = isRemoteCommand(message) ? undefined : message.stream;
    this.logger.error(
      { pubsub: this.name, pending: this.pending, stream },
      'pub/sub server not keeping up: relays over pubsub_max_pending dropped (the other gateways miss them)',
    );
  }

  /** A relay from the pub/sub layer: another gateway's (delivered here), or this one's echo (skipped). */
  private receive(payload: string): void {
    if (payload.startsWith(this.ownPrefix)) return;
    this.local.deliverRelayed(payload, 'pubsub');
  }
}
