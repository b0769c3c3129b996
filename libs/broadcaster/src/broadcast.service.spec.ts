import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBroadcast } from '#libs/protocol';
import { startRedis, waitFor, type TestService } from '../../../test/support/index.js';
import { recordRedisChannels, type RedisChannelRecorder } from '../../../test/broadcaster/recorders.js';
import { startHttpIntake } from '../../../test/broadcaster/http-intake-server.js';
import { createBroadcastAdapter } from './adapters/broadcast-adapter.factory.js';
import { BroadcastContext } from './broadcast-context.js';
import { BroadcastError } from './broadcast.errors.js';
import { BroadcastService } from './broadcast.service.js';
import type { BroadcasterOptions } from './broadcaster-options.js';
import { resolveBroadcasterOptions } from './broadcaster-options.resolver.js';

let redis: TestService;
let recorder: RedisChannelRecorder;

function serviceFor(explicit: Partial<BroadcasterOptions>): BroadcastService {
  const options = resolveBroadcasterOptions({ publishTimeoutMs: 2_000, retryBaseDelayMs: 20, retryMaxDelayMs: 100, ...explicit }, {});
  return new BroadcastService(createBroadcastAdapter(options), options);
}

before(async () => {
  redis = await startRedis();
  recorder = await recordRedisChannels(redis.url, ['__anycable__']);
});

after(async () => {
  recorder?.close();
  await redis?.stop();
});

test('the exact wire formats of broadcast, broadcastMany and disconnect (redis PUBLISH)', async (t) => {
  const service = serviceFor({ adapter: 'redis', redisUrl: redis.url });
  t.after(() => service.onModuleDestroy());
  const from = recorder.messages.length;

  await service.broadcast('comments:post:42', { text: 'héllo', n: 1 });
  await service.broadcast('plain', 'just text');
  await service.broadcast('others', { a: 1 }, { excludeSocket: 'sid-9', transient: true });
  await BroadcastContext.run('sid-1', () => service.broadcast('others', null, { toOthers: true }));
  await BroadcastContext.run('sid-1', () => service.broadcast('others', 2, { toOthers: true, excludeSocket: 'sid-2' }));
  await service.broadcastMany([
    { stream: 'a', payload: 1 },
    { stream: 'b', payload: { x: [1, 2] }, options: { transient: true } },
    { stream: 'a', payload: 'three' },
  ]);
  await service.disconnect('{"current_user_id":"7"}');
  await service.disconnect('uid:8', { reconnect: false });

  const expected = [
    '{"stream":"comments:post:42","data":"{\\"text\\":\\"héllo\\",\\"n\\":1}"}',
    '{"stream":"plain","data":"\\"just text\\""}',
    '{"stream":"others","data":"{\\"a\\":1}","meta":{"exclude_socket":"sid-9","transient":true}}',
    '{"stream":"others","data":"null","meta":{"exclude_socket":"sid-1"}}',
    '{"stream":"others","data":"2","meta":{"exclude_socket":"sid-2"}}',
    '[{"stream":"a","data":"1"},{"stream":"b","data":"{\\"x\\":[1,2]}","meta":{"transient":true}},{"stream":"a","data":"\\"three\\""}]',
    '{"command":"disconnect","payload":{"identifier":"{\\"current_user_id\\":\\"7\\"}","reconnect":true}}',
    '{"command":"disconnect","payload":{"identifier":"uid:8","reconnect":false}}',
  ];
  await waitFor(() => recorder.texts('__anycable__', from).length >= expected.length, 'all messages received');
  assert.deepEqual(recorder.texts('__anycable__', from), expected);
  // What the gateway's decoder makes of them.
  for (const text of expected) assert.equal(decodeBroadcast(text).ok, true, text);
});

test('the payload is serialised exactly once', async (t) => {
  const intake = await startHttpIntake();
  t.after(() => intake.close());
  const service = serviceFor({ adapter: 'http', httpUrl: intake.url });
  t.after(() => service.onModuleDestroy());
  let calls = 0;
  const payload = { toJSON: () => ({ call: ++calls }) };
  await service.broadcast('s', payload);
  await service.broadcastMany([{ stream: 's', payload }]);
  assert.equal(calls, 2);
  assert.deepEqual(intake.requests.map((r) => r.body), ['{"stream":"s","data":"{\\"call\\":1}"}', '[{"stream":"s","data":"{\\"call\\":2}"}]']);
});

test('bad calls reject with a clear BroadcastError and publish nothing', async (t) => {
  const intake = await startHttpIntake();
  t.after(() => intake.close());
  const service = serviceFor({ adapter: 'http', httpUrl: intake.url });
  t.after(() => service.onModuleDestroy());
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const cases: Array<[Promise<void>, RegExp]> = [
    [service.broadcast('s', 1, { toOthers: true }), /^toOthers on stream "s" needs the current session id: call it inside BroadcastContext\.run\(sid, \.\.\.\) or pass excludeSocket$/],
    [service.broadcast('', 1), /^a broadcast needs a non-empty stream name, got ""$/],
    [service.broadcast(42 as never, 1), /^a broadcast needs a non-empty stream name, got 42$/],
    [service.broadcast('s', circular), /^payload for stream "s" is not JSON-serialisable: .*circular/i],
    [service.broadcast('s', undefined), /^payload for stream "s" is not JSON-serialisable \(got undefined\)$/],
    [service.broadcast('s', () => 1), /^payload for stream "s" is not JSON-serialisable \(got function\)$/],
    [service.broadcast('s', 10n), /^payload for stream "s" is not JSON-serialisable: .*BigInt/],
    [service.broadcast('s', 1, { excludeSocket: '' }), /^excludeSocket for stream "s" must be a non-empty session id, got ""$/],
    [service.broadcastMany([{ stream: 'a', payload: 1 }, { stream: 'b', payload: undefined }]), /^broadcastMany item 1: payload for stream "b" is not JSON-serialisable/],
    [service.broadcastMany('nope' as never), /^broadcastMany expects an array/],
    [service.disconnect(''), /^disconnect needs the connection identifiers string, got ""$/],
  ];
  for (const [call, message] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof BroadcastError, String(error));
      assert.match(error.message, message);
      return true;
    });
  }
  await service.broadcastMany([]); // an empty batch is nothing to send
  assert.equal(intake.requests.length, 0);
});

test('a transport failure rejects the call with the error of the adapter', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 401 }));
  t.after(() => intake.close());
  const service = serviceFor({ adapter: 'http', httpUrl: intake.url });
  t.after(() => service.onModuleDestroy());
  await assert.rejects(service.broadcast('s', 1), /refused the broadcast key \(401\)/);
  await assert.rejects(service.disconnect('u1'), /refused the broadcast key \(401\)/);
  assert.equal(service.pendingCount, 0);
});

test('maxPending: beyond the bound a broadcast rejects at once; the accepted ones complete', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 201, delayMs: 200 }));
  t.after(() => intake.close());
  const service = serviceFor({ adapter: 'http', httpUrl: intake.url, maxPending: 2 });
  t.after(() => service.onModuleDestroy());
  const first = service.broadcast('s', 1);
  const second = service.broadcast('s', 2);
  assert.equal(service.pendingCount, 2);
  await assert.rejects(service.broadcast('s', 3), /^BroadcastError: http broadcaster has 2 publishes unconfirmed \(maxPending\): refusing more until the transport catches up$/);
  await Promise.all([first, second]);
  assert.equal(service.pendingCount, 0);
  await service.broadcast('s', 4);
  assert.deepEqual(intake.requests.map((r) => JSON.parse(r.body).data), ['1', '2', '4']);
});

test('onModuleDestroy waits for pending publishes, then refuses new ones', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 201, delayMs: 30 }));
  t.after(() => intake.close());
  const service = serviceFor({ adapter: 'http', httpUrl: intake.url });
  const outcomes: string[] = [];
  const publishes = Array.from({ length: 5 }, (_, i) => service.broadcast('s', i).then(() => outcomes.push(`ok ${i}`)));
  await service.onModuleDestroy();
  assert.deepEqual(outcomes, ['ok 0', 'ok 1', 'ok 2', 'ok 3', 'ok 4']);
  assert.equal(intake.requests.length, 5);
  await Promise.all(publishes);
  await assert.rejects(service.broadcast('s', 'late'), /^BroadcastError: http broadcaster is closed: the module is shutting down$/);
});

test('onModuleDestroy gives up waiting after closeTimeoutMs: what is still pending rejects', async (t) => {
  const intake = await startHttpIntake(() => ({ status: 201, delayMs: 1_500 }));
  t.after(() => intake.close());
  const service = serviceFor({ adapter: 'http', httpUrl: intake.url, closeTimeoutMs: 100, publishTimeoutMs: 10_000 });
  const stuck = service.broadcast('s', 1);
  const outcome = stuck.then(() => 'confirmed', (error: unknown) => String(error));
  await service.onModuleDestroy();
  assert.match(await outcome, /^BroadcastError: http broadcast to .* abandoned after 1 attempt \(request aborted\): the broadcaster is closing$/);
});
