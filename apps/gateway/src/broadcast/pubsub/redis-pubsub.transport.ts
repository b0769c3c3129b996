import type { Redis } from 'ioredis';
import type { GatewayLogger } from '../../log/logger.js';
import { closeRedisClient, createRedisClient } from '../redis-client.js';
import { settlesWithin } from '../waits.js';
import { INTERNAL_CHANNEL, type PubsubTransport } from './pubsub-transport.js';

/** How long `start` waits for the first subscription before going on and retrying in the background. */
const FIRST_SUBSCRIBE_WAIT_MS = 5_000;

/**
 * Redis pub/sub between gateways, as anycable-go's: a stream's channel is the stream name, remote
 * commands go to `__anycable_internal__`. One connection subscribes (the client resubscribes
 * every channel after a reconnect), another publishes; publishes issued while Redis is down wait
 * in the client until it is back (StreamRelay bounds how many).
 */
export class RedisPubsubTransport implements PubsubTransport {
  readonly name = 'redis';
  private subscriber: Redis | null = null;
  private publisher: Redis | null = null;
  /** Streams followed before the connection exists; subscribed on start. */
  private readonly early = new Set<string>();

  constructor(
    private readonly url: string,
    private readonly logger: GatewayLogger,
  ) {}

  async start(onMessage: (payload: string) => void): Promise<void> {
    const subscriber = createRedisClient(this.url, 'pubsub subscriber', this.logger);
    this.subscriber = subscriber;
    this.publisher = createRedisClient(this.url, 'pubsub publisher', this.logger);
    subscriber.on('message', (_channel: string, payload: string) => onMessage(payload));
    const subscribed = this.subscribe(INTERNAL_CHANNEL).then(() => this.logger.info({ pubsub: 'redis' }, 'Redis pub/sub between gateways ready'));
    for (const stream of this.early) void this.subscribe(stream);
    this.early.clear();
    await settlesWithin(subscribed, FIRST_SUBSCRIBE_WAIT_MS);
  }

  followStream(stream: string): void {
    if (this.subscriber) void this.subscribe(stream);
    else this.early.add(stream);
  }

  unfollowStream(stream: string): void {
    if (!this.subscriber) {
      this.early.delete(stream);
      return;
    }
    this.subscriber.unsubscribe(stream).catch((error: Error) => this.logger.warn({ pubsub: 'redis', stream, err: error.message }, 'Redis UNSUBSCRIBE failed'));
  }

  async publishToStream(stream: string, payload: string): Promise<void> {
    await this.publish(stream, payload);
  }

  async publishCommand(payload: string): Promise<void> {
    await this.publish(INTERNAL_CHANNEL, payload);
  }

  async stop(): Promise<void> {
    const clients = [this.subscriber, this.publisher];
    this.subscriber = this.publisher = null;
    await Promise.all(clients.map((client) => client && closeRedisClient(client, 'pubsub', this.logger)));
  }

  private async publish(channel: string, payload: string): Promise<void> {
    if (!this.publisher) throw new Error('Redis pub/sub is not running');
    await this.publisher.publish(channel, payload);
  }

  private subscribe(channel: string): Promise<void> {
    return (this.subscriber as Redis).subscribe(channel).then(
      () => undefined,
      (error: Error) => this.logger.error({ pubsub: 'redis', channel, err: error.message }, 'Redis SUBSCRIBE failed'),
    );
  }
}
