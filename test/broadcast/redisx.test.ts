// The redisx intake's guarantees: what a dead gateway took is re-claimed, a dead reader is taken
// over, and what is published while the gateway cannot reach Redis is still delivered.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DEFAULT_BROADCAST_CHANNEL, encodeBroadcast } from '#libs/protocol';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';
import { ClientPool, identifierOf, messagesOn, waitForMessages, waitForRelaySubscribers } from './broadcast-cluster.js';

const STREAM_KEY = DEFAULT_BROADCAST_CHANNEL;
const READER_LEASE = `${STREAM_KEY}:bx:reader`;

function redisxEnv(rpc: ScriptedRpcServer, redis: TestService, nodeId: string): Record<string, string> {
  return {
    ANYCABLE_RPC_HOST: rpc.address,
    ANYCABLE_REDIS_URL: redis.url,
    ANYCABLE_BROADCAST_ADAPTER: 'redisx',
    ANYCABLE_NODE_ID: nodeId,
    ANYCABLE_REDISX_READ_BLOCK_MILLISECONDS: '200',
    ANYCABLE_REDISX_CLAIM_MIN_IDLE_MILLISECONDS: '1000',
  };
}

function payload(stream: string, data: unknown): string {
  return encodeBroadcast({ stream, data: JSON.stringify(data) });
}

describe('redisx: one reader at a time, re-claim, take-over', () => {
  let redis: TestService;
  let rpc: ScriptedRpcServer;
  let gateways: GatewayProcess[];
  let inspector: Redis;
  const pool = new ClientPool();

  before(async () => {
    [redis, rpc] = await Promise.all([startRedis(), ScriptedRpcServer.start()]);
    inspector = new Redis(redis.url);
    gateways = await Promise.all(['gw-a', 'gw-b'].map((nodeId) => startGateway(redisxEnv(rpc, redis, nodeId))));
  });

  after(async () => {
    pool.closeAll();
    inspector?.disconnect();
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    await Promise.all([rpc?.stop(), redis?.stop()]);
  });

  test('entries a dead gateway took and never acknowledged are re-claimed and delivered on both gateways', async () => {
    const stream = 'reclaim:1';
    const clients = await pool.subscribed(gateways, stream);
    await waitForRelaySubscribers(inspector, stream, 2);
    // A gateway that read two entries and died: the add and its read are one transaction, so the
    // live reader, blocked on the stream, cannot take them first.
    const replies = await inspector
      .multi()
      .xadd(STREAM_KEY, '*', 'payload', payload(stream, { n: 1 }))
      .xadd(STREAM_KEY, '*', 'payload', payload(stream, { n: 2 }))
      .call('XREADGROUP', 'GROUP', 'bx', 'dead-gateway', 'COUNT', 10, 'STREAMS', STREAM_KEY, '>')
      .exec();
    assert.ok(replies?.every(([error]) => error === null));
    const pendingOfDead = async (): Promise<number> => ((await inspector.call('XPENDING', STREAM_KEY, 'bx', '-', '+', 10, 'dead-gateway')) as unknown[]).length;
    assert.equal(await pendingOfDead(), 2, 'the dead gateway holds both');
    const received = await waitForMessages(clients, stream, 2, 15_000);
    for (const messages of received) assert.deepEqual(messages, [{ n: 1 }, { n: 2 }]);
    assert.equal(await pendingOfDead(), 0);
    await waitFor(async () => Number(((await inspector.call('XPENDING', STREAM_KEY, 'bx')) as unknown[])[0]) === 0, 'every entry acknowledged');
  });

  test('one gateway reads at a time; when it dies the other takes over and delivers', async () => {
    const stream = 'takeover:1';
    const reader = String(await inspector.get(READER_LEASE));
    assert.ok(reader === 'gw-a' || reader === 'gw-b', `the lease names a gateway: ${reader}`);
    const [dying, surviving] = reader === 'gw-a' ? gateways : [gateways[1], gateways[0]];
    assert.match(dying.process.output(), /This gateway reads the Redis stream now/);
    assert.match(surviving.process.output(), /Another gateway reads the Redis stream: standing by/);
    const [client] = await pool.subscribed([surviving], stream);
    await dying.stop('SIGKILL');
    await inspector.xadd(STREAM_KEY, '*', 'payload', payload(stream, { after: 'the reader died' }));
    assert.deepEqual(await client.waitForMessages(identifierOf(stream), 1, 15_000), [{ after: 'the reader died' }]);
    assert.equal(await inspector.get(READER_LEASE), reader === 'gw-a' ? 'gw-b' : 'gw-a');
  });
});

describe('redisx: what is published while the gateway cannot reach Redis is delivered', () => {
  let redis: TestService;
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const pool = new ClientPool();

  before(async () => {
    [redis, rpc] = await Promise.all([startRedis(), ScriptedRpcServer.start()]);
    if (!redis.private) throw new Error('this test kills Redis: install redis-server so it gets a private one');
    gateway = await startGateway(redisxEnv(rpc, redis, 'gw-away'));
  });

  after(async () => {
    pool.closeAll();
    await gateway?.stop();
    await Promise.all([rpc?.stop(), redis?.stop()]);
  });

  test('Redis restarted: entries added before the gateway is back are read once it is', async (t) => {
    const stream = 'away:1';
    const [client] = await pool.subscribed([gateway], stream);
    const before = new Redis(redis.url);
    await before.xadd(STREAM_KEY, '*', 'payload', payload(stream, { n: 'before' }));
    before.disconnect();
    await client.waitForMessages(identifierOf(stream), 1);

    await redis.kill();
    await waitFor(() => /Redis connection lost/.test(gateway.process.output()), 'the gateway noticed the loss', 15_000);
    // Let the gateway's reconnect backoff grow, so the entries below are added before it is back.
    await sleep(1_500);
    await redis.restart();
    const restoredBefore = (gateway.process.output().match(/Redis connection restored/g) ?? []).length;
    const publisher = new Redis(redis.url);
    try {
      for (const n of [1, 2, 3]) await publisher.xadd(STREAM_KEY, '*', 'payload', payload(stream, { n }));
    } finally {
      publisher.disconnect();
    }
    const restoredAfter = (gateway.process.output().match(/Redis connection restored/g) ?? []).length;
    t.diagnostic(restoredBefore === 0 && restoredAfter === 0 ? 'the entries were added while the gateway was away' : 'the gateway came back first this time');
    assert.deepEqual(await client.waitForMessages(identifierOf(stream), 4, 15_000), [{ n: 'before' }, { n: 1 }, { n: 2 }, { n: 3 }]);
    assert.equal(gateway.process.child.exitCode, null);
    assert.deepEqual(messagesOn(client, stream).length, 4);
  });
});
