import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis, type TestService } from '../../../../test/support/index.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import { resolveBroadcasterOptions } from '../broadcaster-options.resolver.js';
import { RedisxBroadcastAdapter } from './redisx.adapter.js';

let redis: TestService;
let reader: Redis;

const optionsFor = (extra: Partial<BroadcasterOptions>): BroadcasterOptions =>
  resolveBroadcasterOptions({ adapter: 'redisx', redisUrl: redis.url, publishTimeoutMs: 2_000, retries: 1, closeTimeoutMs: 2_000, ...extra }, {});

before(async () => {
  redis = await startRedis();
  reader = new Redis(redis.url);
});

after(async () => {
  reader?.disconnect();
  await redis?.stop();
});

test('XADD <stream> * payload <body>: XRANGE reads back exactly the bytes, in order, one field "payload"', async (t) => {
  const stream = `bx_exact_${process.pid}`;
  await reader.del(stream);
  const adapter = new RedisxBroadcastAdapter(optionsFor({ redisChannel: stream }));
  t.after(() => adapter.close());
  const bodies = ['{"stream":"a","data":"1"}', '[{"stream":"a","data":"\\"ü\\""},{"stream":"b","data":"2"}]', '{"command":"disconnect","payload":{"identifier":"u1","reconnect":false}}'];
  await Promise.all(bodies.map((body) => adapter.publish(body)));
  const entries = (await reader.xrangeBuffer(stream, '-', '+')) as Array<[Buffer, Buffer[]]>;
  assert.equal(entries.length, 3);
  for (const [index, [id, fields]] of entries.entries()) {
    assert.match(id.toString(), /^\d+-\d+$/);
    assert.deepEqual(fields, [Buffer.from('payload'), Buffer.from(bodies[index], 'utf8')]);
  }
});

test('the default stream is __anycable__', async (t) => {
  await reader.del('__anycable__');
  const adapter = new RedisxBroadcastAdapter(optionsFor({}));
  t.after(() => adapter.close());
  await adapter.publish('{"stream":"a","data":"1"}');
  assert.equal(await reader.xlen('__anycable__'), 1);
});

test('redisxMaxLen bounds the stream (approximate trimming); 0 leaves it untrimmed', async (t) => {
  const trimmed = `bx_trimmed_${process.pid}`;
  const untrimmed = `bx_untrimmed_${process.pid}`;
  await reader.del(trimmed, untrimmed);
  const bounded = new RedisxBroadcastAdapter(optionsFor({ redisChannel: trimmed, redisxMaxLen: 50 }));
  const unbounded = new RedisxBroadcastAdapter(optionsFor({ redisChannel: untrimmed, redisxMaxLen: 0 }));
  t.after(() => Promise.all([bounded.close(), unbounded.close()]));
  for (let i = 0; i < 1_000; i += 1) {
    await Promise.all([bounded.publish(`{"stream":"s","data":"${i}"}`), unbounded.publish(`{"stream":"s","data":"${i}"}`)]);
  }
  const length = await reader.xlen(trimmed);
  // "~" trims whole radix-tree nodes (100 entries by default): at least 50 stay, far fewer than 1,000.
  assert.ok(length >= 50 && length <= 250, `trimmed stream holds ${length} entries`);
  assert.equal(await reader.xlen(untrimmed), 1_000);
  // Trimming drops the oldest entries: the newest is still the last one published.
  const [[, fields]] = (await reader.xrevrange(trimmed, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>;
  assert.deepEqual(fields, ['payload', '{"stream":"s","data":"999"}']);
});

test('a key of another type: the publish rejects with the Redis error as cause', async (t) => {
  const key = `bx_wrongtype_${process.pid}`;
  await reader.set(key, 'not a stream');
  const adapter = new RedisxBroadcastAdapter(optionsFor({ redisChannel: key }));
  t.after(() => adapter.close());
  await assert.rejects(adapter.publish('{"stream":"s","data":"1"}'), new RegExp(`^BroadcastError: redisx XADD to stream "${key}" on redis://127\\.0\\.0\\.1:\\d+/? failed: WRONGTYPE`));
});
