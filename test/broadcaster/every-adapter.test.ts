// End to end through the public entry point (`#libs/broadcaster`, as apps import it), configured by env
// only, the way the RPC app is deployed: the same calls give the same bytes on every transport.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connect, type NatsConnection } from 'nats';
import { Redis } from 'ioredis';
import { BroadcastContext, BroadcastModule, BroadcastService } from '#libs/broadcaster';
import { startNats, startRedis, waitFor, type TestService } from '../support/index.js';
import { startHttpIntake, type HttpIntakeServer } from './http-intake-server.js';
import { recordRedisChannels, type RedisChannelRecorder } from './recorders.js';

const EXPECTED = [
  '{"stream":"comments:post:1","data":"{\\"id\\":1,\\"body\\":\\"Ünïcode ✓\\"}"}',
  '{"stream":"comments:post:1","data":"{\\"typing\\":true}","meta":{"exclude_socket":"sid-42","transient":true}}',
  '[{"stream":"a","data":"1"},{"stream":"b","data":"2"}]',
  '{"command":"disconnect","payload":{"identifier":"{\\"current_user_id\\":\\"7\\"}","reconnect":false}}',
];

/** The same four calls, made the way app code makes them. */
async function publishAll(service: BroadcastService): Promise<void> {
  await service.broadcast('comments:post:1', { id: 1, body: 'Ünïcode ✓' });
  await BroadcastContext.run('sid-42', () => service.broadcast('comments:post:1', { typing: true }, { toOthers: true, transient: true }));
  await service.broadcastMany([
    { stream: 'a', payload: 1 },
    { stream: 'b', payload: 2 },
  ]);
  await service.disconnect('{"current_user_id":"7"}', { reconnect: false });
}

/** Boots a Nest app whose BroadcastModule reads only `env`, publishes the four calls, closes the app. */
async function publishWithEnv(env: Record<string, string>): Promise<void> {
  const names = [
    'ANYCABLE_BROADCAST_ADAPTER', 'ANYCABLE_REDIS_URL', 'REDIS_URL', 'ANYCABLE_REDIS_CHANNEL', 'ANYCABLE_HTTP_BROADCAST_URL',
    'ANYCABLE_BROADCAST_KEY', 'ANYCABLE_SECRET', 'ANYCABLE_NATS_SERVERS', 'ANYCABLE_NATS_CHANNEL',
  ];
  const saved = new Map(names.map((name) => [name, process.env[name]]));
  for (const name of names) delete process.env[name];
  Object.assign(process.env, env);
  try {
    @Module({ imports: [BroadcastModule.forRoot({ global: true })] })
    class AppModule {}
    const app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    try {
      await publishAll(app.get(BroadcastService));
    } finally {
      await app.close();
    }
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

let redis: TestService;
let nats: TestService;
let recorder: RedisChannelRecorder;
let natsClient: NatsConnection;
let intake: HttpIntakeServer;
const natsMessages: string[] = [];

before(async () => {
  [redis, nats] = await Promise.all([startRedis(), startNats()]);
  recorder = await recordRedisChannels(redis.url, ['__anycable__']);
  natsClient = await connect({ servers: nats.url });
  const subscription = natsClient.subscribe('__anycable__');
  void (async () => {
    for await (const message of subscription) natsMessages.push(Buffer.from(message.data).toString('utf8'));
  })();
  await natsClient.flush();
  intake = await startHttpIntake();
});

after(async () => {
  recorder?.close();
  await natsClient?.close();
  await intake?.close();
  await Promise.all([redis?.stop(), nats?.stop()]);
});

test('redis (the seed env: ANYCABLE_REDIS_URL with a db index, no adapter named): PUBLISH __anycable__', async () => {
  const from = recorder.messages.length;
  await publishWithEnv({ ANYCABLE_REDIS_URL: `${redis.url}/1` });
  await waitFor(() => recorder.texts('__anycable__', from).length >= EXPECTED.length, 'every message on the channel');
  assert.deepEqual(recorder.texts('__anycable__', from), EXPECTED);
});

test('redisx: XADD __anycable__ in the URL database, field "payload"', async () => {
  const reader = new Redis(`${redis.url}/2`);
  try {
    await reader.del('__anycable__');
    await publishWithEnv({ ANYCABLE_BROADCAST_ADAPTER: 'redisx', REDIS_URL: `${redis.url}/2` });
    const entries = (await reader.xrange('__anycable__', '-', '+')) as Array<[string, string[]]>;
    assert.deepEqual(entries.map(([, fields]) => fields), EXPECTED.map((body) => ['payload', body]));
  } finally {
    reader.disconnect();
  }
});

test('nats: publish to subject __anycable__', async () => {
  const from = natsMessages.length;
  await publishWithEnv({ ANYCABLE_BROADCAST_ADAPTER: 'nats', ANYCABLE_NATS_SERVERS: nats.url });
  await waitFor(() => natsMessages.length >= from + EXPECTED.length, 'every message on the subject');
  assert.deepEqual(natsMessages.slice(from), EXPECTED);
});

test('http (the default without Redis): POST with the key derived from ANYCABLE_SECRET', async () => {
  const from = intake.requests.length;
  await publishWithEnv({ ANYCABLE_HTTP_BROADCAST_URL: intake.url, ANYCABLE_SECRET: 'app-secret' });
  const requests = intake.requests.slice(from);
  assert.deepEqual(requests.map((r) => r.body), EXPECTED);
  for (const request of requests) {
    assert.equal(request.method, 'POST');
    // printf 'broadcast-cable' | openssl dgst -sha256 -hmac 'app-secret'
    assert.equal(request.headers.authorization, 'Bearer 5a33bbfb713e6563c169eca1551a0cf64ab80a91d3e9c50fcc4f9c2f63fa7341');
  }
});
