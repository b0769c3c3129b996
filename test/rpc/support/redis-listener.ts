import { Redis } from 'ioredis';
import { DEFAULT_BROADCAST_CHANNEL, decodeBroadcast, type BroadcastMessage } from '#libs/protocol';
import { waitFor } from '../../support/index.js';

/** Everything published on a Redis broadcast channel, decoded, in arrival order. */
export interface RedisListener {
  readonly messages: BroadcastMessage[];
  /** Waits until `count` messages arrived; returns them all. */
  waitForCount(count: number, timeoutMs?: number): Promise<BroadcastMessage[]>;
  close(): Promise<void>;
}

/** Subscribes to `channel` (default `__anycable__`) on the Redis at `url`. */
export async function listenToBroadcasts(url: string, channel = DEFAULT_BROADCAST_CHANNEL): Promise<RedisListener> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const messages: BroadcastMessage[] = [];
  redis.on('message', (_channel: string, raw: string) => {
    const decoded = decodeBroadcast(raw);
    if (!decoded.ok) throw new Error(`undecodable broadcast ${raw}: ${decoded.error}`);
    messages.push(...decoded.messages);
  });
  await redis.connect();
  await redis.subscribe(channel);
  return {
    messages,
    async waitForCount(count, timeoutMs = 10_000) {
      await waitFor(() => messages.length >= count, `${count} broadcasts on ${channel}, got ${messages.length}`, timeoutMs);
      return messages;
    },
    async close() {
      redis.disconnect();
    },
  };
}
