// Redis is killed (SIGKILL) and restarted under two gateways with the redis and redisx intakes and
// Redis pub/sub between them: nothing crashes, everything reconnects and resubscribes, and delivery
// resumes on both gateways.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DEFAULT_BROADCAST_CHANNEL, encodeBroadcast } from '#libs/protocol';
import type { GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';
import { ClientPool, identifierOf, messagesOn, startGateways, waitForMessages, waitForRelaySubscribers } from './broadcast-cluster.js';

describe('Redis killed and restarted under two gateways', () => {
  let redis: TestService;
  let rpc: ScriptedRpcServer;
  let gateways: GatewayProcess[];
  const pool = new ClientPool();
  const connections: Redis[] = [];
  /** A fresh connection (the test's own, which also lives through the restart). */
  const connect = (): Redis => {
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null, retryStrategy: () => 100 });
    connection.on('error', () => {});
    connections.push(connection);
    return connection;
  };

  before(async () => {
    [redis, rpc] = await Promise.all([startRedis(), ScriptedRpcServer.start()]);
    if (!redis.private) throw new Error('this test kills Redis: install redis-server so it gets a private one');
    gateways = await startGateways(2, {
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_BROADCAST_ADAPTER: 'redis,redisx',
      ANYCABLE_REDISX_READ_BLOCK_MILLISECONDS: '300',
      ANYCABLE_REDISX_CLAIM_MIN_IDLE_MILLISECONDS: '1000',
    });
  });

  after(async () => {
    pool.closeAll();
    for (const connection of connections) connection.disconnect();
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    await Promise.all([rpc?.stop(), redis?.stop()]);
  });

  test('no crash, both gateways reconnect and resubscribe, redis and redisx deliver again', async () => {
    const publisher = connect();
    const viaRedis = (stream: string, data: unknown): Promise<number> => publisher.publish(DEFAULT_BROADCAST_CHANNEL, encodeBroadcast({ stream, data: JSON.stringify(data) }));
    const viaRedisx = (stream: string, data: unknown): Promise<string | null> => publisher.xadd(DEFAULT_BROADCAST_CHANNEL, '*', 'payload', encodeBroadcast({ stream, data: JSON.stringify(data) }));
    const redisClients = await pool.subscribed(gateways, 'outage:redis');
    const redisxClients = await pool.subscribed(gateways, 'outage:redisx');
    await waitForRelaySubscribers(publisher, 'outage:redisx', 2);
    await viaRedis('outage:redis', { n: 'before' });
    await viaRedisx('outage:redisx', { n: 'before' });
    await waitForMessages(redisClients, 'outage:redis', 1);
    await waitForMessages(redisxClients, 'outage:redisx', 1);

    await redis.kill();
    for (const gateway of gateways) {
      await waitFor(() => /Redis connection lost/.test(gateway.process.output()), 'the gateway noticed the loss', 15_000);
    }
    await sleep(500);
    for (const gateway of gateways) assert.equal(gateway.process.child.exitCode, null, 'still running while Redis is down');
    await redis.restart();

    // Redis pub/sub between gateways: both resubscribed the streams their clients follow.
    await waitForRelaySubscribers(publisher, 'outage:redisx', 2);
    // redisx: the group is gone with the restart (no persistence); it is created again and read.
    await viaRedisx('outage:redisx', { n: 'after' });
    await waitForMessages(redisxClients, 'outage:redisx', 2);
    // redis: resubscribed to the channel (probe until it is), then delivering again.
    let probes = 0;
    await waitFor(
      async () => {
        if (redisClients.every((client) => messagesOn(client, 'outage:redis').length > 1)) return true;
        await viaRedis('outage:redis', { n: `probe ${probes++}` });
        await sleep(100);
        return false;
      },
      'the redis intake resubscribed on both gateways',
      15_000,
    );
    for (const client of redisxClients) assert.deepEqual(messagesOn(client, 'outage:redisx'), [{ n: 'before' }, { n: 'after' }], 'each once, in order');
    for (const client of redisClients) assert.deepEqual(messagesOn(client, 'outage:redis')[0], { n: 'before' });
    for (const gateway of gateways) {
      assert.equal(gateway.process.child.exitCode, null, 'no crash');
      assert.equal((await gateway.health()).status, 'ok');
      assert.match(gateway.process.output(), /Redis connection restored/);
    }
  });
});

describe('relays waiting for a Redis that is down are bounded by pubsub_max_pending', () => {
  let redis: TestService;
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  let inspector: Redis;
  const pool = new ClientPool();

  before(async () => {
    [redis, rpc] = await Promise.all([startRedis(), ScriptedRpcServer.start()]);
    if (!redis.private) throw new Error('this test kills Redis: install redis-server so it gets a private one');
    inspector = new Redis(redis.url, { retryStrategy: () => 100 });
    inspector.on('error', () => {});
    [gateway] = await startGateways(1, {
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_BROADCAST_ADAPTER: 'http',
      ANYCABLE_PUBSUB_MAX_PENDING: '5',
      ANYCABLE_METRICS_HTTP: '/metrics',
    });
  });

  after(async () => {
    pool.closeAll();
    inspector?.disconnect();
    await gateway?.stop();
    await Promise.all([rpc?.stop(), redis?.stop()]);
  });

  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
    return Number(new RegExp(`^anycable_go_${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  };

  test('local delivery goes on, 5 relays wait, the rest are dropped and counted; the waiting ones go out when Redis is back', async () => {
    const stream = 'bounded:1';
    const [client] = await pool.subscribed([gateway], stream);
    await waitForRelaySubscribers(inspector, stream, 1);
    await redis.kill();
    await waitFor(() => /Redis connection lost/.test(gateway.process.output()), 'the gateway noticed the loss', 15_000);
    for (let n = 0; n < 12; n++) await gateway.publish({ stream, data: String(n) });
    assert.deepEqual(await client.waitForMessages(identifierOf(stream), 12), Array.from({ length: 12 }, (_, n) => n), 'every one delivered here');
    assert.equal(await metric('pubsub_pending_num'), 5);
    assert.equal(await metric('pubsub_dropped_total'), 7);
    assert.match(gateway.process.output(), /relays over pubsub_max_pending dropped/);

    await redis.restart();
    await waitFor(async () => (await metric('pubsub_pending_num')) === 0 && (await metric('pubsub_relayed_total')) === 5, 'the 5 waiting relays published', 15_000);
    assert.equal(await metric('pubsub_dropped_total'), 7);
    // A relay from another gateway (no origin of ours) on the same channel, after our 5 echoes:
    // once it is here, the echoes were read too — and skipped, not delivered a second time.
    await waitForRelaySubscribers(inspector, stream, 1);
    await inspector.publish(stream, JSON.stringify({ origin: 'another-gateway', stream, data: '"from another gateway"' }));
    await client.waitForMessages(identifierOf(stream), 13);
    assert.deepEqual(messagesOn(client, stream).slice(12), ['from another gateway'], 'our own relays, echoed back by Redis, were not delivered twice');
  });
});
