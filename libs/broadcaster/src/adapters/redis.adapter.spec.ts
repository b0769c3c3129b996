import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { freePort, startRedis, waitFor, type TestService } from '../../../../test/support/index.js';
import { publishUntilSeen, recordRedisChannels, type RedisChannelRecorder } from '../../../../test/broadcaster/recorders.js';
import { BroadcastError } from '../broadcast.errors.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import { resolveBroadcasterOptions } from '../broadcaster-options.resolver.js';
import { RedisBroadcastAdapter } from './redis.adapter.js';

/** Tight bounds so an outage shows within seconds. */
const bounded = (redisUrl: string, extra: Partial<BroadcasterOptions> = {}): BroadcasterOptions =>
  resolveBroadcasterOptions(
    { adapter: 'redis', redisUrl, publishTimeoutMs: 1_500, retries: 2, retryBaseDelayMs: 50, retryMaxDelayMs: 200, closeTimeoutMs: 2_000, ...extra },
    {},
  );

let redis: TestService;
let recorder: RedisChannelRecorder;

before(async () => {
  redis = await startRedis();
  recorder = await recordRedisChannels(redis.url, ['__anycable__', 'custom_channel']);
});

after(async () => {
  recorder?.close();
  await redis?.stop();
});

test('PUBLISH <channel> <body>: the subscriber gets exactly the bytes, in order', async () => {
  const adapter = new RedisBroadcastAdapter(bounded(redis.url));
  const custom = new RedisBroadcastAdapter(bounded(redis.url, { redisChannel: 'custom_channel' }));
  try {
    const received = recorder.messages;
    const start = received.length;
    const bodies = Array.from({ length: 50 }, (_, i) => `{"stream":"s","data":"{\\"n\\":${i},\\"t\\":\\"ünï\\"}"}`);
    await Promise.all(bodies.map((body) => adapter.publish(body)));
    await custom.publish('{"stream":"c","data":"1"}');
    await waitFor(() => received.length >= start + 51, 'all messages received');
    const got = received.slice(start);
    assert.deepEqual(got.slice(0, 50).map((m) => m.channel), Array(50).fill('__anycable__'));
    assert.deepEqual(got.slice(0, 50).map((m) => m.bytes), bodies.map((body) => Buffer.from(body, 'utf8')));
    assert.deepEqual(got[50], { channel: 'custom_channel', bytes: Buffer.from('{"stream":"c","data":"1"}') });
  } finally {
    await adapter.close();
    await custom.close();
  }
});

test('Redis unreachable from the start: publish rejects with a clear error within the bound', async () => {
  const port = await freePort();
  const adapter = new RedisBroadcastAdapter(bounded(`redis://:hunter2@127.0.0.1:${port}`));
  try {
    const started = Date.now();
    await assert.rejects(adapter.publish('{"stream":"s","data":"1"}'), (error: unknown) => {
      assert.ok(error instanceof BroadcastError);
      assert.match(error.message, new RegExp(`^redis PUBLISH to channel "__anycable__" on redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/? failed: `));
      assert.doesNotMatch(error.message, /hunter2/);
      assert.ok(error.cause instanceof Error);
      return true;
    });
    // The bound is publishTimeoutMs (1.5 s); the slack is for a loaded machine.
    assert.ok(Date.now() - started < 1_500 + 3_000, `rejected after ${Date.now() - started} ms`);
  } finally {
    await adapter.close();
  }
});

test('Redis killed: publish rejects within the bound; restarted: publishing resumes', async (t) => {
  if (!redis.private) return t.skip('shared Redis cannot be killed');
  const adapter = new RedisBroadcastAdapter(bounded(redis.url));
  try {
    await adapter.publish('{"stream":"s","data":"before"}');
    await redis.kill();
    const started = Date.now();
    await assert.rejects(adapter.publish('{"stream":"s","data":"while down"}'), (error: unknown) => {
      assert.ok(error instanceof BroadcastError);
      assert.match(error.message, /^redis PUBLISH to channel "__anycable__" on redis:\/\/127\.0\.0\.1:\d+\/? failed: /);
      return true;
    });
    assert.ok(Date.now() - started < 1_500 + 3_000, `rejected after ${Date.now() - started} ms`);

    await redis.restart();
    const anycable = (): string[] => recorder.texts('__anycable__');
    await publishUntilSeen((body) => adapter.publish(body), (body) => anycable().includes(body));
    await adapter.publish('{"stream":"s","data":"resumed"}');
    await waitFor(() => anycable().includes('{"stream":"s","data":"resumed"}'), 'the publish after recovery arrives');
  } finally {
    await adapter.close();
  }
});

test('after close, publish rejects: the broadcaster is closed', async () => {
  const adapter = new RedisBroadcastAdapter(bounded(redis.url));
  await adapter.close();
  await assert.rejects(adapter.publish('{}'), /the broadcaster is closed/);
});

test('a server that accepts but never answers: publish rejects after publishTimeoutMs', async (t) => {
  // A bare TCP listener stands in for a hung Redis (e.g. a stopped process): it never replies.
  const sockets = new Set<Socket>();
  const silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined); // ioredis resets it on close; nothing to report
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    silent.close();
  });
  const { port } = silent.address() as AddressInfo;
  const adapter = new RedisBroadcastAdapter(bounded(`redis://127.0.0.1:${port}`, { publishTimeoutMs: 500, closeTimeoutMs: 200 }));
  try {
    const started = Date.now();
    await assert.rejects(adapter.publish('{"stream":"s","data":"1"}'), /^BroadcastError: redis PUBLISH to channel "__anycable__" on redis:\/\/127\.0\.0\.1:\d+\/? failed: Command timed out$/);
    assert.ok(Date.now() - started < 500 + 3_000, `rejected after ${Date.now() - started} ms`);
  } finally {
    await adapter.close();
  }
});
