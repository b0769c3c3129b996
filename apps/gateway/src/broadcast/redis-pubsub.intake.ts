import type { Redis } from 'ioredis';
import type { GatewayLogger } from '../log/logger.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';
import { settlesWithin } from './waits.js';

/** How long `start` waits for the first subscription before going on and retrying in the background. */
const FIRST_SUBSCRIBE_WAIT_MS = 5_000;

/**
 * anycable-go's `redis` broadcast adapter: SUBSCRIBE to `redis_channel`; every gateway receives
 * every publication. The client reconnects with backoff and resubscribes after a loss.
 */
export class RedisPubSubIntake implements BroadcastIntake {
  readonly name = 'redis';
  readonly fanout = true;
  private subscriber: Redis | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly logger: GatewayLogger,
  ) {}

  async start(sink: BroadcastSink): Promise<void> {
    const subscriber = createRedisClient(this.url, 'redis intake', this.logger);
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, payload: string) => sink.deliverPayload(payload, 'redis'));
    const subscribed = subscriber.subscribe(this.channel).then(
      () => this.logger.info({ intake: 'redis', channel: this.channel }, 'Subscribed to Redis broadcasts'),
      (error: Error) => this.logger.error({ intake: 'redis', channel: this.channel, err: error.message }, 'Redis SUBSCRIBE failed'),
    );
    await settlesWithin(subscribed, FIRST_SUBSCRIBE_WAIT_MS);
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (subscriber) await closeRedisClient(subscriber, 'redis intake', this.logger);
  }
}
