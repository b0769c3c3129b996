// Two gateway processes behind one Redis and one NATS, with every intake on (redis, http, redisx,
// nats) and Redis pub/sub between them; the app side publishes through #libs/broadcaster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { BroadcastAdapterName, BroadcastService } from '#libs/broadcaster';
import type { GatewayProcess } from '../support/gateway.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startNats, startRedis, type TestService } from '../support/services.js';
import {
  ClientPool,
  createPublisher,
  messagesOn,
  startGateways,
  waitForMessages,
  waitForRelaySubscribers,
  waitForRemoteDisconnect,
} from './broadcast-cluster.js';

const ADAPTERS: readonly BroadcastAdapterName[] = ['redis', 'http', 'redisx', 'nats'];
const SECRET = 'cluster-secret';

describe('every intake delivers to the clients of both gateways', () => {
  let redis: TestService;
  let nats: TestService;
  let rpc: ScriptedRpcServer;
  let gateways: GatewayProcess[];
  let inspector: Redis;
  const publishers = new Map<BroadcastAdapterName, BroadcastService>();
  const pool = new ClientPool();

  before(async () => {
    [redis, nats, rpc] = await Promise.all([startRedis(), startNats(), ScriptedRpcServer.start()]);
    inspector = new Redis(redis.url);
    gateways = await startGateways(2, {
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_NATS_SERVERS: nats.url,
      ANYCABLE_BROADCAST_ADAPTER: ADAPTERS.join(','),
      ANYCABLE_SECRET: SECRET,
    });
    for (const gateway of gateways) assert.match(gateway.process.output(), /pubsub=redis|"pubsub":"redis"/, 'Redis pub/sub is on by itself with Redis configured');
    publishers.set('redis', createPublisher({ adapter: 'redis', redisUrl: redis.url }));
    // The publisher derives the key from the same secret, as the gateway does.
    publishers.set('http', createPublisher({ adapter: 'http', httpUrl: `http://127.0.0.1:${gateways[0].port}/_broadcast` }, { ANYCABLE_SECRET: SECRET }));
    publishers.set('redisx', createPublisher({ adapter: 'redisx', redisUrl: redis.url }));
    publishers.set('nats', createPublisher({ adapter: 'nats', natsServers: [nats.url] }));
  });

  after(async () => {
    pool.closeAll();
    await Promise.all([...publishers.values()].map((publisher) => publisher.onModuleDestroy()));
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    inspector?.disconnect();
    await Promise.all([rpc?.stop(), redis?.stop(), nats?.stop()]);
  });

  for (const adapter of ADAPTERS) {
    test(`${adapter}: a publication reaches the subscribers of both gateways, once each`, async () => {
      const stream = `each:${adapter}`;
      const clients = await pool.subscribed([gateways[0], gateways[1], gateways[1]], stream);
      await waitForRelaySubscribers(inspector, stream, 2);
      const publisher = publishers.get(adapter)!;
      await publisher.broadcast(stream, { n: 1, via: adapter });
      await publisher.broadcast(stream, 'plain text');
      const received = await waitForMessages(clients, stream, 2);
      for (const messages of received) assert.deepEqual(messages, [{ n: 1, via: adapter }, 'plain text']);
    });

    test(`${adapter}: 1,000 messages on one stream reach both gateways, each once, in order`, async () => {
      const stream = `order:${adapter}`;
      const clients = await pool.subscribed(gateways, stream);
      await waitForRelaySubscribers(inspector, stream, 2);
      const publisher = publishers.get(adapter)!;
      const sent = Array.from({ length: 1000 }, (_, n) => n);
      await Promise.all(sent.map((n) => publisher.broadcast(stream, { n })));
      const received = await waitForMessages(clients, stream, 1000, 60_000);
      // A marker through a fan-out intake: anything delivered twice would have shown up before it.
      await publishers.get('redis')!.broadcast(stream, { n: 'marker' });
      await waitForMessages(clients, stream, 1001);
      for (const [index, client] of clients.entries()) {
        const numbers = messagesOn(client, stream).map((message) => (message as { n: number | string }).n);
        assert.equal(numbers.at(-1), 'marker', `gateway ${index}: nothing after the marker`);
        assert.deepEqual(numbers.slice(0, -1), sent, `gateway ${index}: every message once, in publication order`);
      }
      assert.equal(received.length, 2);
    });

    test(`${adapter}: exclude_socket skips that session only`, async () => {
      const stream = `exclude:${adapter}`;
      const [onFirst, excluded, neighbour] = await pool.subscribed([gateways[0], gateways[1], gateways[1]], stream);
      await waitForRelaySubscribers(inspector, stream, 2);
      const publisher = publishers.get(adapter)!;
      await publisher.broadcast(stream, { to: 'others' }, { excludeSocket: excluded.sid });
      await publisher.broadcast(stream, { to: 'all' });
      await waitForMessages([onFirst, neighbour], stream, 2);
      await waitForMessages([excluded], stream, 1);
      assert.deepEqual(messagesOn(onFirst, stream), [{ to: 'others' }, { to: 'all' }]);
      assert.deepEqual(messagesOn(neighbour, stream), [{ to: 'others' }, { to: 'all' }]);
      assert.deepEqual(messagesOn(excluded, stream), [{ to: 'all' }], 'the excluded session got only the second one');
    });

    test(`${adapter}: a remote disconnect closes that user's sessions on both gateways, no one else's`, async () => {
      const stream = `disconnect:${adapter}`;
      const leaving = await pool.subscribed(gateways, stream, `leaving-${adapter}`);
      const [staying] = await pool.subscribed([gateways[1]], stream, `staying-${adapter}`);
      const publisher = publishers.get(adapter)!;
      await publisher.disconnect(JSON.stringify({ user: `leaving-${adapter}` }), { reconnect: false });
      for (const client of leaving) {
        assert.deepEqual(await waitForRemoteDisconnect(client), { type: 'disconnect', reason: 'remote', reconnect: false });
      }
      await waitForRelaySubscribers(inspector, stream, 1);
      await publishers.get('redis')!.broadcast(stream, { still: 'here' });
      assert.deepEqual(await staying.waitForMessages(JSON.stringify({ channel: 'Chat', stream }), 1), [{ still: 'here' }]);
    });
  }

  test('a gateway follows a stream on the pub/sub layer only while it has subscribers for it', async () => {
    const stream = 'interest:1';
    const numsub = async (): Promise<number> => Number(((await inspector.call('PUBSUB', 'NUMSUB', stream)) as [string, number])[1]);
    assert.equal(await numsub(), 0);
    const [onSecond] = await pool.subscribed([gateways[1]], stream);
    await waitForRelaySubscribers(inspector, stream, 1);
    const [onFirst] = await pool.subscribed([gateways[0]], stream);
    await waitForRelaySubscribers(inspector, stream, 2);
    onSecond.close();
    await onSecond.closed;
    await waitForRelaySubscribers(inspector, stream, 1);
    // The first gateway still gets what the second one takes.
    const viaSecond = createPublisher({ adapter: 'http', httpUrl: `http://127.0.0.1:${gateways[1].port}/_broadcast` }, { ANYCABLE_SECRET: SECRET });
    try {
      await viaSecond.broadcast(stream, { via: 'second gateway' });
    } finally {
      await viaSecond.onModuleDestroy();
    }
    assert.deepEqual(await onFirst.waitForMessages(JSON.stringify({ channel: 'Chat', stream }), 1), [{ via: 'second gateway' }]);
  });
});
