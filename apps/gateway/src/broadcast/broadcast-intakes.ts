import { randomBytes } from 'node:crypto';
import type { HttpServer } from '@nestjs/common';
import type { BroadcastAdapterName, GatewayConfig, PubsubAdapterName } from '../config/gateway-config.js';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';
import type { BroadcastDispatcher } from './broadcast-dispatcher.js';
import { HttpIntake } from './http.intake.js';
import type { PubsubTransport } from './pubsub/pubsub-transport.js';
import { StreamRelay, type StreamInterestSource } from './pubsub/stream-relay.js';

/** What the broadcast side needs from the rest of the gateway. */
export interface BroadcastParts {
  /** Delivers to this gateway's sessions. */
  readonly local: Pick<BroadcastDispatcher, 'deliverPayload' | 'deliverMessages' | 'deliverTaken' | 'deliverRelayed' | 'unstored'>;
  /** The broker is shared by the gateways (redis, nats): fan-out intakes' publications are then not registered. */
  readonly sharedBroker: boolean;
  /** The hub: which streams have local subscribers. */
  readonly interest: StreamInterestSource;
  readonly stats: GatewayStats;
  readonly logger: GatewayLogger;
}

/**
 * Builds the intakes selected by `broadcast_adapter` and, when one of them hands publications to a
 * single gateway (http, redisx) and `pubsub` is set, the relay that passes them on to the others.
 * The Redis and NATS intakes and transports are imported only when configured: their clients are
 * separate chunks of the bundle that the default gateway (http intake, no pub/sub) never reads.
 */
export async function createBroadcastIntakes(config: GatewayConfig, parts: BroadcastParts): Promise<BroadcastIntakes> {
  const broadcast = config.broadcast;
  // Names this gateway in pub/sub relays and in the redisx consumer group: unique per process.
  const nodeId = broadcast.nodeId || randomBytes(6).toString('base64url');
  const intakes = await Promise.all(
    broadcast.adapters.map(async (name: BroadcastAdapterName): Promise<BroadcastIntake> => {
      switch (name) {
        case 'redis': {
          const { RedisPubSubIntake } = await import('./redis-pubsub.intake.js');
          return new RedisPubSubIntake(broadcast.redisUrl, broadcast.redisChannel, parts.logger);
        }
        case 'http':
          return new HttpIntake(broadcast.http, { host: config.host, port: config.port }, parts.logger);
        case 'redisx': {
          const { RedisStreamIntake } = await import('./redis-stream.intake.js');
          return new RedisStreamIntake(broadcast.redisUrl, broadcast.redisx, nodeId, parts.logger, parts.stats);
        }
        case 'nats': {
          const { NatsIntake } = await import('./nats.intake.js');
          return new NatsIntake(broadcast.natsServers, broadcast.natsChannel, parts.logger);
        }
      }
    }),
  );
  let relay: StreamRelay | null = null;
  // Whenever a pub/sub is set: whispers (and a shared broker's presence events) come from this
  // gateway's clients and need the relay to reach the other gateways' subscribers.
  if (broadcast.pubsub !== 'none') {
    const transport = await createPubsubTransport(broadcast.pubsub, config, parts.logger);
    relay = new StreamRelay(transport, parts.local, parts.interest, nodeId, broadcast.pubsubMaxPending, parts.logger, parts.stats);
  }
  // Fan-out intakes reach every gateway: under a shared broker none may register (it would store each publication once per gateway).
  const fanoutSink = parts.sharedBroker ? parts.local.unstored : parts.local;
  if (parts.sharedBroker && intakes.some((intake) => intake.fanout)) {
    parts.logger.warn(
      { intakes: intakes.filter((intake) => intake.fanout).map((intake) => intake.name) },
      'every gateway receives these intakes\' publications: they are delivered without positions and not stored in the broker (use http or redisx with pubsub for reliable streams)',
    );
  }
  return new BroadcastIntakes(intakes, fanoutSink, parts.local, relay, nodeId, parts.logger);
}

async function createPubsubTransport(name: Exclude<PubsubAdapterName, 'none'>, config: GatewayConfig, logger: GatewayLogger): Promise<PubsubTransport> {
  if (name === 'redis') {
    const { RedisPubsubTransport } = await import('./pubsub/redis-pubsub.transport.js');
    return new RedisPubsubTransport(config.broadcast.redisUrl, logger);
  }
  const { NatsPubsubTransport } = await import('./pubsub/nats-pubsub.transport.js');
  return new NatsPubsubTransport(config.broadcast.natsServers, logger);
}

/** Starts and stops every intake of the gateway, and the relay between gateways. */
export class BroadcastIntakes {
  constructor(
    private readonly intakes: readonly BroadcastIntake[],
    private readonly fanoutSink: BroadcastSink,
    private readonly local: BroadcastSink,
    private readonly relay: StreamRelay | null,
    readonly nodeId: string,
    private readonly logger: GatewayLogger,
  ) {}

  /** Where this gateway's own publications (presence events) go: delivered here, and relayed when a pub/sub is set. */
  get publisher(): { sink: BroadcastSink; relayed: boolean } {
    return { sink: this.relay ?? this.local, relayed: this.relay !== null };
  }

  get names(): string[] {
    return this.intakes.map((intake) => intake.name);
  }

  /** Routes the HTTP intake's path on the main server, if it is served there (call before listening). */
  mount(http: HttpServer): void {
    for (const intake of this.intakes) if (intake instanceof HttpIntake) intake.mount(http);
  }

  async start(): Promise<void> {
    if (this.intakes.length === 0) this.logger.warn('no broadcast adapter configured: broadcasts will not be received');
    const single = this.intakes.filter((intake) => !intake.fanout).map((intake) => intake.name);
    if (this.relay) await this.relay.start();
    else if (single.length > 0) {
      this.logger.info({ intakes: single }, 'no pubsub configured: publications taken by this gateway reach only its own clients');
    }
    // Fan-out intakes reach every gateway by themselves; the others go through the relay.
    await Promise.all(this.intakes.map((intake) => intake.start(intake.fanout ? this.fanoutSink : (this.relay ?? this.local))));
    this.logger.info({ nodeId: this.nodeId, intakes: this.names, pubsub: this.relay?.name ?? 'none' }, 'Broadcast intakes started');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.intakes.map((intake) =>
        intake.stop().catch((error: Error) => this.logger.warn({ intake: intake.name, err: error.message }, 'broadcast intake stop failed')),
      ),
    );
    await this.relay?.stop().catch((error: Error) => this.logger.warn({ pubsub: this.relay?.name, err: error.message }, 'pub/sub stop failed'));
  }
}
