import { Redis } from 'ioredis';
import type { GatewayLogger } from '../log/logger.js';
import type { BroadcastIntake, BroadcastSink } from './broadcast-intake.js';

/** How long `start` waits for the first subscription before going on and retrying in the background. */
const FIRST_SUBSCRIBE_WAIT_MS = 5_000;

/**
 * anycable-go's `redis` broadcast adapter: SUBSCRIBE to `redis_channel`; every gateway receives
 * every publication. ioredis reconnects with backoff and resubscribes after a loss.
 */
export class RedisPubSubIntake implements BroadcastIntake {
  readonly name = 'redis';
  private subscriber: Redis | null = null;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    private readonly logger: GatewayLogger,
  ) {}

  async start(sink: BroadcastSink): Promise<void> {
    const subscriber = new Redis(this.url, {
      lazyConnect: true,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, 2_000),
    });
    this.subscriber = subscriber;
    let lost = false;
    subscriber.on('message', (_channel: string, payload: string) => sink.deliverPayload(payload, 'redis'));
    subscriber.on('error', (error: Error) => {
      if (!lost) this.logger.warn({ intake: 'redis', err: error.message }, 'Redis broadcast connection error: retrying');
      lost = true;
    });
    subscriber.on('ready', () => {
      if (lost) this.logger.info({ intake: 'redis', channel: this.channel }, 'Redis broadcast connection restored: resubscribed');
      lost = false;
    });
    subscriber.connect().catch((error: Error) => this.logger.warn({ intake: 'redis', err: error.message }, 'Redis not reachable yet: retrying'));
    const subscribed = subscriber.subscribe(this.channel).then(
      () => this.logger.info({ intake: 'redis', channel: this.channel }, 'Subscribed to Redis broadcasts'),
      (error: Error) => this.logger.error({ intake: 'redis', err: error.message }, 'Redis SUBSCRIBE failed'),
    );
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, FIRST_SUBSCRIBE_WAIT_MS)));
    await Promise.race([subscribed, waited]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = null;
    if (!subscriber) return;
    try {
      await subscriber.quit();
    } catch (error) {
      this.logger.debug({ intake: 'redis', err: (error as Error).message }, 'Redis quit failed: disconnecting');
      subscriber.disconnect();
    }
  }
}
