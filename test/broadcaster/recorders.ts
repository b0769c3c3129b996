import { Redis } from 'ioredis';
import { waitFor } from '../support/index.js';

/** One message a test subscriber received: where, and the exact bytes. */
export interface RecordedMessage {
  readonly channel: string;
  readonly bytes: Buffer;
}

/** A real Redis subscriber recording every message on some channels, for byte-exact assertions. */
export interface RedisChannelRecorder {
  readonly messages: RecordedMessage[];
  /** The bytes received on `channel` since message index `from`, as UTF-8 strings. */
  texts(channel: string, from?: number): string[];
  close(): void;
}

/** Subscribes (reconnecting and re-subscribing by itself after a Redis restart) and records. */
export async function recordRedisChannels(url: string, channels: string[]): Promise<RedisChannelRecorder> {
  const subscriber = new Redis(url, { retryStrategy: () => 100 });
  // Tests kill Redis on purpose; the subscriber reconnects, and the test asserts on what arrives.
  subscriber.on('error', () => undefined);
  const messages: RecordedMessage[] = [];
  subscriber.on('messageBuffer', (channel: Buffer, bytes: Buffer) => messages.push({ channel: channel.toString(), bytes }));
  await subscriber.subscribe(...channels);
  return {
    messages,
    texts: (channel, from = 0) => messages.slice(from).filter((m) => m.channel === channel).map((m) => m.bytes.toString('utf8')),
    close: () => subscriber.disconnect(),
  };
}

/**
 * After a server restart: publishes numbered probes through `publish` (failures expected while the
 * clients reconnect) until `seen` reports one of them arrived. A probe may arrive after the next one was
 * sent, so any probe counts.
 */
export async function publishUntilSeen(
  publish: (body: string) => Promise<void>,
  seen: (body: string) => boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const probes: string[] = [];
  await waitFor(
    async () => {
      const body = `{"stream":"probe","data":"${probes.length}"}`;
      probes.push(body);
      await publish(body).catch(() => undefined); // expected to fail until the publisher has reconnected
      return probes.some(seen);
    },
    'a publish after the restart reaches the subscriber',
    timeoutMs,
  );
}
