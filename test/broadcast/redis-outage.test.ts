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
import { ClientPool, messagesOn, startGateways, waitForMessages, waitForRelaySubscribers } from './broadcast-cluster.js';

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
