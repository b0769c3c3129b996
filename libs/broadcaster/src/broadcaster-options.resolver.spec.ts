import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { BroadcasterConfigError } from './broadcast.errors.js';
import { BROADCASTER_DEFAULTS } from './broadcaster-options.js';
import { deriveBroadcastKey, resolveBroadcasterOptions } from './broadcaster-options.resolver.js';

const failsNaming = (source: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof BroadcasterConfigError, `expected BroadcasterConfigError, got ${String(error)}`);
  assert.equal(error.source, source);
  assert.match(error.message, new RegExp(`^${source}: `));
  assert.match(error.message, pattern);
  return true;
};

test('with an empty environment: http adapter and the documented defaults', () => {
  const options = resolveBroadcasterOptions({}, {});
  assert.deepEqual(options, {
    adapter: 'http',
    broadcastKey: undefined,
    ...BROADCASTER_DEFAULTS,
    natsServers: ['nats://localhost:4222'],
    presenceUrl: 'http://localhost:8080/presence',
  });
  assert.equal(options.redisChannel, '__anycable__');
  assert.equal(options.httpUrl, 'http://localhost:8080/_broadcast');
});

test('a Redis URL in env (ANYCABLE_REDIS_URL, else REDIS_URL) makes redis the default adapter', () => {
  const seed = resolveBroadcasterOptions({}, { ANYCABLE_REDIS_URL: 'redis://redis:6379/1' });
  assert.equal(seed.adapter, 'redis');
  assert.equal(seed.redisUrl, 'redis://redis:6379/1');
  const plain = resolveBroadcasterOptions({}, { REDIS_URL: 'redis://other:6380' });
  assert.equal(plain.adapter, 'redis');
  assert.equal(plain.redisUrl, 'redis://other:6380');
  const both = resolveBroadcasterOptions({}, { ANYCABLE_REDIS_URL: 'redis://first:1', REDIS_URL: 'redis://second:2' });
  assert.equal(both.redisUrl, 'redis://first:1');
  assert.equal(resolveBroadcasterOptions({ redisUrl: 'redis://explicit:1' }, {}).adapter, 'redis');
});

test('every variable is read from env', () => {
  const options = resolveBroadcasterOptions({}, {
    ANYCABLE_BROADCAST_ADAPTER: 'NATS',
    ANYCABLE_REDIS_CHANNEL: 'my_channel',
    ANYCABLE_REDISX_MAXLEN: '0',
    ANYCABLE_HTTP_BROADCAST_URL: 'https://gw.example:8443/_broadcast',
    ANYCABLE_BROADCAST_KEY: 'k3y',
    ANYCABLE_HTTP_BROADCAST_CONCURRENCY: '4',
    ANYCABLE_NATS_SERVERS: 'nats://a:4222, b:4223',
    ANYCABLE_NATS_CHANNEL: 'subj',
    ANYCABLE_BROADCAST_TIMEOUT_MS: '1500',
    ANYCABLE_BROADCAST_RETRIES: '0',
    ANYCABLE_BROADCAST_RETRY_BASE_MS: '10',
    ANYCABLE_BROADCAST_RETRY_MAX_MS: '50',
    ANYCABLE_BROADCAST_MAX_PENDING: '7',
    ANYCABLE_BROADCAST_CLOSE_TIMEOUT_MS: '250',
  });
  assert.deepEqual(options, {
    adapter: 'nats',
    redisUrl: 'redis://localhost:6379',
    redisChannel: 'my_channel',
    redisxMaxLen: 0,
    httpUrl: 'https://gw.example:8443/_broadcast',
    presenceUrl: 'https://gw.example:8443/presence',
    broadcastKey: 'k3y',
    httpConcurrency: 4,
    natsServers: ['nats://a:4222', 'b:4223'],
    natsChannel: 'subj',
    publishTimeoutMs: 1500,
    retries: 0,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 50,
    maxPending: 7,
    closeTimeoutMs: 250,
  });
});

test('explicit options win over env, and an overridden bad env value is not consulted', () => {
  const options = resolveBroadcasterOptions(
    { adapter: 'redisx', retries: 5 },
    { ANYCABLE_BROADCAST_ADAPTER: 'bogus', ANYCABLE_BROADCAST_RETRIES: 'x', ANYCABLE_REDIS_CHANNEL: 'from_env' },
  );
  assert.equal(options.adapter, 'redisx');
  assert.equal(options.retries, 5);
  assert.equal(options.redisChannel, 'from_env');
});

test('empty env values count as unset', () => {
  const options = resolveBroadcasterOptions({}, { ANYCABLE_REDIS_URL: '', ANYCABLE_BROADCAST_ADAPTER: '  ' });
  assert.equal(options.adapter, 'http');
});

test('the broadcast key is derived from ANYCABLE_SECRET like anycable-go: hex(HMAC-SHA256(secret, "broadcast-cable"))', () => {
  const expected = createHmac('sha256', 's3cret').update('broadcast-cable').digest('hex');
  assert.equal(deriveBroadcastKey('s3cret'), expected);
  assert.match(expected, /^[0-9a-f]{64}$/);
  assert.equal(resolveBroadcasterOptions({}, { ANYCABLE_SECRET: 's3cret' }).broadcastKey, expected);
  assert.equal(resolveBroadcasterOptions({}, { ANYCABLE_SECRET: 's3cret', ANYCABLE_BROADCAST_KEY: 'own' }).broadcastKey, 'own');
});

test('bad values are refused with an error naming the variable', () => {
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_BROADCAST_ADAPTER: 'kafka' }), failsNaming('ANYCABLE_BROADCAST_ADAPTER', /unknown broadcast adapter "kafka".*redis, http, redisx, nats/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_BROADCAST_ADAPTER: 'http,redis' }), failsNaming('ANYCABLE_BROADCAST_ADAPTER', /one adapter/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_REDIS_URL: 'localhost:6379' }), failsNaming('ANYCABLE_REDIS_URL', /scheme must be redis: or rediss:/));
  assert.throws(() => resolveBroadcasterOptions({}, { REDIS_URL: 'not a url' }), failsNaming('REDIS_URL', /not a URL/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_HTTP_BROADCAST_URL: 'ftp://x/_broadcast' }), failsNaming('ANYCABLE_HTTP_BROADCAST_URL', /http: or https:/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_BROADCAST_TIMEOUT_MS: '5s' }), failsNaming('ANYCABLE_BROADCAST_TIMEOUT_MS', /must be an integer, got "5s"/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_BROADCAST_MAX_PENDING: '0' }), failsNaming('ANYCABLE_BROADCAST_MAX_PENDING', /between 1 and 1000000, got 0/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_BROADCAST_RETRIES: '-1' }), failsNaming('ANYCABLE_BROADCAST_RETRIES', /between 0 and 100/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_HTTP_BROADCAST_CONCURRENCY: '65' }), failsNaming('ANYCABLE_HTTP_BROADCAST_CONCURRENCY', /between 1 and 64/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_NATS_SERVERS: 'nats://a:1,,b:2' }), failsNaming('ANYCABLE_NATS_SERVERS', /non-empty string/));
  assert.throws(() => resolveBroadcasterOptions({}, { ANYCABLE_NATS_SERVERS: 'http://a:1' }), failsNaming('ANYCABLE_NATS_SERVERS', /scheme/));
  assert.throws(
    () => resolveBroadcasterOptions({}, { ANYCABLE_BROADCAST_RETRY_BASE_MS: '500', ANYCABLE_BROADCAST_RETRY_MAX_MS: '100' }),
    failsNaming('ANYCABLE_BROADCAST_RETRY_MAX_MS', /at least the base delay \(500 ms\)/),
  );
});

test('bad explicit options are refused naming options.<field>', () => {
  assert.throws(() => resolveBroadcasterOptions({ adapter: 'amqp' as never }, {}), failsNaming('options.adapter', /unknown broadcast adapter/));
  assert.throws(() => resolveBroadcasterOptions({ publishTimeoutMs: 1.5 }, {}), failsNaming('options.publishTimeoutMs', /integer/));
  assert.throws(() => resolveBroadcasterOptions({ natsServers: [] }, {}), failsNaming('options.natsServers', /non-empty list/));
  assert.throws(() => resolveBroadcasterOptions({ redisChannel: '' }, {}), failsNaming('options.redisChannel', /non-empty string/));
});
