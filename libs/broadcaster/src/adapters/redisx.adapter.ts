import type { BroadcasterOptions } from '../broadcaster-options.js';
import type { BroadcastAdapter } from './broadcast-adapter.js';
import { RedisConnection } from './redis-connection.js';

/**
 * `redisx` adapter: `XADD <redisChannel> MAXLEN ~ <redisxMaxLen> * payload <body>` (Redis Streams).
 * One gateway of the consumer group takes each entry and re-publishes it to the others. The stream is
 * trimmed approximately to `redisxMaxLen` entries (`0`: no MAXLEN clause) so it stays bounded when no
 * gateway consumes it. Connection bounds: see `RedisConnection`.
 */
export class RedisxBroadcastAdapter implements BroadcastAdapter {
  readonly name = 'redisx';
  private readonly connection: RedisConnection;

  constructor(private readonly options: BroadcasterOptions) {
    this.connection = new RedisConnection(options, 'redisx');
  }

  async publish(body: string): Promise<void> {
    const stream = this.options.redisChannel;
    const maxLen = this.options.redisxMaxLen;
    await this.connection.run(`redisx XADD to stream "${stream}"`, (client) =>
      maxLen > 0
        ? client.xadd(stream, 'MAXLEN', '~', maxLen, '*', 'payload', body)
        : client.xadd(stream, '*', 'payload', body),
    );
  }

  close(): Promise<void> {
    return this.connection.close(this.options.closeTimeoutMs);
  }
}
