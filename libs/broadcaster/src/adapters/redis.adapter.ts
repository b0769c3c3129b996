import type { BroadcasterOptions } from '../broadcaster-options.js';
import type { BroadcastAdapter } from './broadcast-adapter.js';
import { RedisConnection } from './redis-connection.js';

/**
 * `redis` adapter: `PUBLISH <redisChannel> <body>`; every gateway subscribed to the channel receives it.
 * Order is kept: one connection, commands written in call order. Bounds: see `RedisConnection`.
 */
export class RedisBroadcastAdapter implements BroadcastAdapter {
  readonly name = 'redis';
  private readonly connection: RedisConnection;

  constructor(private readonly options: BroadcasterOptions) {
    this.connection = new RedisConnection(options, 'redis');
  }

  async publish(body: string): Promise<void> {
    const channel = this.options.redisChannel;
    await this.connection.run(`redis PUBLISH to channel "${channel}"`, (client) => client.publish(channel, body));
  }

  close(): Promise<void> {
    return this.connection.close(this.options.closeTimeoutMs);
  }
}
