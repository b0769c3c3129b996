import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { encodeBroadcast, DEFAULT_BROADCAST_CHANNEL } from '#libs/protocol';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayHealth, type GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';

/** Frames a hostile or broken client might send: every branch of the decoder, plus noise. */
function malformedFrame(n: number): string | Buffer {
  const id = JSON.stringify({ channel: 'Chat', n });
  const frames: Array<() => string | Buffer> = [
    () => randomBytes(1 + (n % 200)).toString('latin1'),
    () => randomBytes(1 + (n % 300)),
    () => `{"command":"subscribe","identifier":${id}`,
    () => '[1,2,3]',
    () => 'null',
    () => '"just a string"',
    () => `${n}`,
    () => '{}',
    () => `{"command":${n}}`,
    () => `{"command":"explode","identifier":${JSON.stringify(id)}}`,
    () => '{"command":"subscribe"}',
    () => '{"command":"subscribe","identifier":{"channel":"Chat"}}',
    () => `{"command":"message","identifier":${JSON.stringify(id)},"data":{"action":"x"}}`,
    () => `{"command":"message","identifier":${JSON.stringify(id)},"data":"{\\"action\\":\\"x\\"}"}`,
    () => `{"command":"unsubscribe","identifier":${JSON.stringify(id)}}`,
    () => `{"command":"history","identifier":${JSON.stringify(id)},"history":"yesterday"}`,
    () => '{"__proto__":{"command":"subscribe"},"constructor":{"prototype":{}}}',
    () => `{"command":"subscribe","identifier":${JSON.stringify('{"channel":"Forbidden","n":' + n + '}')}}`,
  ];
  return frames[n % frames.length]();
}

describe('bad input never crashes the gateway nor disturbs other connections', () => {
  let redis: TestService;
  let publisher: Redis;
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const clients: RawCableClient[] = [];
  const welcomed = async (url = gateway.url()): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(url);
    clients.push(client);
    return client;
  };

  before(async () => {
    redis = await startRedis();
    publisher = new Redis(redis.url);
    rpc = await ScriptedRpcServer.start();
    gateway = await startGateway({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_MAX_MESSAGE_SIZE: '4096',
      ANYCABLE_WS_MAX_PENDING_SIZE: '262144',
      // The subscribe storm below is about max_pending_commands: how many of its distinct subscribes get
      // through depends on the machine's speed, so the per-session subscription cap (100 by default,
      // tested in session-limits.test.ts) would reject the final subscribe on a fast machine only.
      ANYCABLE_MAX_SUBSCRIPTIONS_PER_SESSION: '0',
    });
  });

  after(async () => {
    for (const client of clients) client.close();
    await gateway?.stop();
    await rpc?.stop();
    publisher?.disconnect();
    await redis?.stop();
  });

  /** A normal client does the whole round trip. */
  async function assertHealthyRoundTrip(tag: string): Promise<void> {
    const client = await welcomed();
    const id = JSON.stringify({ channel: 'Chat', stream: `healthy:${tag}` });
    client.subscribe(id);
    await client.waitForConfirm(id);
    client.perform(id, { action: 'speak', tag });
    assert.deepEqual(await client.waitForMessages(id, 1), [{ echo: { action: 'speak', tag } }]);
    await publisher.publish(DEFAULT_BROADCAST_CHANNEL, encodeBroadcast({ stream: `healthy:${tag}`, data: JSON.stringify({ tag }) }));
    assert.deepEqual(await client.waitForMessages(id, 2), [{ echo: { action: 'speak', tag } }, { tag }]);
    client.close();
    await client.closed;
  }

  test('a storm of thousands of malformed frames from several clients: logged, ignored, no leak', async () => {
    await assertHealthyRoundTrip('warm-up');
    await waitFor(async () => (await gateway.health()).clients_num === 0, 'warm-up client gone');
    const before: GatewayHealth = await gateway.health();

    const stormers = await Promise.all(Array.from({ length: 6 }, () => welcomed()));
    const watcher = await welcomed();
    const watched = '{"channel":"Chat","stream":"watched"}';
    watcher.subscribe(watched);
    await watcher.waitForConfirm(watched);

    const perClient = 700;
    for (let round = 0; round < perClient; round++) {
      stormers.forEach((client, index) => client.send(malformedFrame(round * stormers.length + index)));
      if (round % 100 === 0) {
        await publisher.publish(DEFAULT_BROADCAST_CHANNEL, encodeBroadcast({ stream: 'watched', data: JSON.stringify({ round }) }));
        await sleep(5);
      }
    }
    // The other connection did not notice: it got every broadcast sent during the storm, in order.
    const rounds = Array.from({ length: perClient / 100 }, (_, i) => ({ round: i * 100 }));
    assert.deepEqual(await watcher.waitForMessages(watched, rounds.length, 20_000), rounds);
    // Bad frames do not close healthy connections.
    await sleep(300);
    for (const client of stormers) assert.equal(client.ws.readyState, client.ws.OPEN, 'storming client still connected');
    await assertHealthyRoundTrip('after-storm');

    for (const client of [...stormers, watcher]) client.close();
    await Promise.all([...stormers, watcher].map((client) => client.closed));
    const settled = await waitFor(
      async () => {
        const health = await gateway.health();
        return health.clients_num === 0 && health.broadcast_streams_num === 0 && health.disconnect_queue_size === 0 ? health : null;
      },
      'every session, stream and Disconnect call of the storm gone',
      20_000,
    );
    assert.equal(settled.rpc_pending_num, 0);
    // Memory came back: no per-frame retention (a leak of even 1 KB per bad frame would be +4 MB).
    const heapGrowth = settled.memory.heapUsed - before.memory.heapUsed;
    assert.ok(heapGrowth < 24 * 1024 * 1024, `heap grew by ${(heapGrowth / 1048576).toFixed(1)} MB`);
    assert.equal(gateway.process.child.exitCode, null, 'gateway still running');
    const output = gateway.process.output();
    assert.match(output, /not JSON \(\d+ bytes\): ignored.*sid=/);
    assert.match(output, /further bad input of this session is counted, not logged/);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.port}/health`)).json() as Record<string, unknown>;
    assert.equal(metrics.status, 'ok');
  });

  test('an oversized frame closes that connection with 1009 only', async () => {
    const big = await welcomed();
    const neighbour = await welcomed();
    big.send(JSON.stringify({ command: 'message', identifier: 'x', data: 'y'.repeat(5000) }));
    assert.equal((await big.closed).code, 1009);
    await sleep(100);
    assert.equal(neighbour.ws.readyState, neighbour.ws.OPEN);
    await assertHealthyRoundTrip('after-1009');
  });

  test('a subscribe storm is bounded: commands beyond max_pending_commands are dropped and logged, the session recovers', async () => {
    const baseline = await gateway.health();
    const client = await welcomed();
    for (let n = 0; n < 3000; n++) client.subscribe(JSON.stringify({ channel: 'Chat', stream: `storm:${n % 50}`, n }));
    const last = '{"channel":"Chat","stream":"after-storm-sub"}';
    await waitFor(async () => (await gateway.health()).rpc_pending_num === 0 && (await gateway.health()).rpc_inflight_num === 0, 'storm served', 30_000);
    client.subscribe(last);
    await client.waitForConfirm(last, 20_000);
    assert.equal(client.ws.readyState, client.ws.OPEN);
    client.close();
    await client.closed;
    // <= : a session of an earlier test may still have been closing when the baseline was taken.
    await waitFor(async () => (await gateway.health()).broadcast_streams_num <= baseline.broadcast_streams_num, 'storm streams released', 20_000);
    assert.match(gateway.process.output(), /too many pending commands \(max_pending_commands=64\): subscribe dropped/);
  });

  test('a client that does not read is disconnected (ws_max_pending_size); the others still get everything', async () => {
    const baseline = await gateway.health();
    const stuck = await welcomed();
    const reader = await welcomed();
    const id = '{"channel":"Chat","stream":"firehose"}';
    for (const client of [stuck, reader]) client.subscribe(id);
    await stuck.waitForConfirm(id);
    await reader.waitForConfirm(id);
    (stuck.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const payload = JSON.stringify({ blob: 'z'.repeat(60_000) });
    const count = 200;
    for (let i = 0; i < count; i++) await publisher.publish(DEFAULT_BROADCAST_CHANNEL, encodeBroadcast({ stream: 'firehose', data: payload }));
    await waitFor(() => /client is not reading \(ws_max_pending_size exceeded\): disconnecting/.test(gateway.process.output()), 'slow client dropped', 20_000);
    assert.equal((await reader.waitForMessages(id, count, 30_000)).length, count);
    await waitFor(async () => (await gateway.health()).clients_num <= baseline.clients_num + 1, 'only the reader left');
  });
});
