import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { Redis } from 'ioredis';
import { BrokerCluster, isFrame, streamFrames, type Frame } from '../support/broker-cluster.js';
import { createAnyCable, RawCableClient } from '../support/cable-clients.js';
import { startHalfOpenProxy } from '../support/half-open-proxy.js';
import { waitFor } from '../support/ports.js';
import { assertExactlyOnce, EXT_PROTOCOL, RestoringClient, SequencePublisher } from '../support/restoring-client.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';

const EXT = [EXT_PROTOCOL];
const feed = (stream: string): string => JSON.stringify({ channel: 'Feed', stream });

describe('broker=redis: history in Redis Streams, sessions as keys, shared by two gateways', () => {
  let redis: TestService;
  let rpc: ScriptedRpcServer;
  let cluster: BrokerCluster;
  const clients: { close(): void | Promise<void> }[] = [];

  const url = (index: number): string => cluster.gateways[index]!.url();
  const publishAll = async (index: number, stream: string, from: number, to: number): Promise<void> => {
    for (let n = from; n <= to; n++) await cluster.publish(index, { stream, data: JSON.stringify({ n }) });
  };
  const restoring = async (index: number, stream: string): Promise<RestoringClient> => {
    const client = await RestoringClient.subscribe(url(index), feed(stream), stream);
    clients.push(client);
    return client;
  };
  const raw = async (index: number, protocols: string[], query = ''): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(`${url(index)}${query}`, { protocols });
    clients.push(client);
    return client;
  };

  before(async () => {
    redis = await startRedis();
    rpc = await ScriptedRpcServer.start();
    cluster = await BrokerCluster.start({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_BROKER: 'redis',
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_PUBSUB: 'redis',
      ANYCABLE_HISTORY_LIMIT: '500',
      ANYCABLE_BROKER_TIMEOUT_MILLISECONDS: '500',
    });
  });

  after(async () => {
    for (const client of clients) await client.close();
    await cluster?.stop();
    await rpc?.stop();
    await redis?.stop();
  });

  test('offsets come from Redis: one position per publication, the same on both gateways and both sub-protocols; the stream is bounded and expires', async () => {
    const stream = 'redis:positions';
    const ext = await raw(0, EXT);
    const plain = await raw(1, ['actioncable-v1-json']);
    for (const client of [ext, plain]) {
      client.subscribe(feed(stream));
      await client.waitForConfirm(feed(stream));
    }
    // Taken by both gateways in turn: every publication is registered once, by the gateway that took it.
    for (let n = 1; n <= 4; n++) await cluster.publish(n % 2, { stream, data: JSON.stringify({ n }) });
    for (const client of [ext, plain]) await waitFor(() => streamFrames(client, feed(stream)).length >= 4, 'four messages');
    const frames = streamFrames(ext, feed(stream));
    assert.deepEqual(frames.map((frame) => [frame.message, frame.stream_id, frame.offset]), [1, 2, 3, 4].map((n) => [{ n }, stream, n]));
    assert.deepEqual(streamFrames(plain, feed(stream)), frames, 'same frames, positions included, on the other gateway and the plain protocol');

    const direct = new Redis(redis.url);
    try {
      assert.equal(await direct.xlen(`_ac_h:${stream}`), 4, 'stored once each');
      assert.equal(await direct.get(`_ac_e:${stream}`), frames[0]!.epoch, 'the epoch lives in Redis');
      const ttl = await direct.pttl(`_ac_h:${stream}`);
      assert.ok(ttl > 290_000 && ttl <= 300_000, `history expires after history_ttl (pttl ${ttl})`);
    } finally {
      direct.disconnect();
    }
  });

  for (const [where, back] of [['the same gateway', 0], ['the other gateway', 1]] as const) {
    test(`abrupt drop, immediate restore on ${where}: exactly the missed messages, once, in order, then live`, async () => {
      const stream = `redis:drop-${back}`;
      const client = await restoring(0, stream);
      await publishAll(0, stream, 1, 2);
      await client.waitForCount(2);
      const connects = rpc.callsOf('Connect').length;
      client.drop();
      await publishAll(1 - back, stream, 3, 6);
      await client.restore(url(back));
      assert.equal(rpc.callsOf('Connect').length, connects, 'restored without Connect');
      await publishAll(back, stream, 7, 8);
      await client.waitForCount(8);
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.assertExactlyOnce(8);
    });
  }

  test('half-open on gateway 1, restore on gateway 2 under traffic taken by both gateways: exactly once, in order; the session is restored once', async () => {
    const stream = 'redis:half-open';
    const proxy = await startHalfOpenProxy(cluster.gateways[0]!.port);
    clients.push({ close: () => proxy.close() });
    const client = await RestoringClient.subscribe(proxy.url(), feed(stream), stream);
    clients.push(client);
    const publisher = new SequencePublisher([() => cluster.broadcastUrl(0), () => cluster.broadcastUrl(1)], stream, 3);
    let sent: number;
    try {
      await waitFor(() => client.received.length >= 20, 'traffic reaching the client');
      const oldSid = client.sessionId;
      proxy.cut();
      await client.restore(url(1));
      const second = await raw(1, EXT, `?sid=${encodeURIComponent(oldSid)}`);
      assert.equal((second.frames[0] as Frame).restored, false, 'a session is restored once, whichever gateway asks');
      const mark = publisher.sent;
      await waitFor(() => publisher.sent >= mark + 20, 'traffic after the restore');
    } finally {
      sent = await publisher.stop();
    }
    await client.waitForCount(sent);
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.assertExactlyOnce(sent);
  });

  test('gateway 1 SIGKILLed under live traffic: its clients restore on gateway 2 with nothing lost', async () => {
    const stream = 'redis:crash';
    const onFirst = await Promise.all([1, 2, 3].map(() => restoring(0, stream)));
    const publisher = new SequencePublisher([() => cluster.broadcastUrl(1)], stream, 10);
    await waitFor(() => publisher.sent >= 20, 'traffic under way');
    await cluster.gateways[0]!.stop('SIGKILL');
    let sent: number;
    try {
      await Promise.all(onFirst.map((client) => client.restore(url(1))));
      await waitFor(() => publisher.sent >= 60, 'traffic after the restores');
    } finally {
      sent = await publisher.stop();
      await cluster.startAgain(0);
    }
    for (const client of onFirst) {
      await client.waitForCount(sent);
      client.assertExactlyOnce(sent);
    }
  });

  test('the real @anycable/web client, its socket destroyed three times and back on alternating gateways, gets every message once, in order', async () => {
    const stream = 'redis:web';
    const cable = createAnyCable(url(0), { protocol: 'actioncable-v1-ext-json' });
    clients.push({ close: () => cable.disconnect() });
    const channel = cable.subscribeTo('Feed', { stream });
    await channel.ensureSubscribed();
    const received: number[] = [];
    channel.on('message', (message: unknown) => received.push((message as { n: number }).n));
    const restored: boolean[] = [];
    cable.on('connect', (event: unknown) => restored.push((event as { restored: boolean }).restored));
    // The cable's socket and URL, which @anycable/web keeps on its transport (not in its typings).
    const transport = cable.transport as unknown as { ws: WebSocket; setURL(url: string): void; setParam(key: string, value: string): void };
    // Publications taken by both gateways in turn: each gateway puts a stream back in offset order.
    const publisher = new SequencePublisher([() => cluster.broadcastUrl(0), () => cluster.broadcastUrl(1)], stream, 10);
    let sent: number;
    try {
      for (const back of [1, 0, 1]) {
        const before = publisher.sent;
        await waitFor(() => publisher.sent >= before + 10 && received.length >= before, 'traffic reaching the client');
        transport.ws.terminate();
        await waitFor(() => cable.state !== 'connected', `the client saw its connection go (${cable.state})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        transport.setURL(url(back));
        transport.setParam('sid', String(cable.sessionId));
        await cable.connect();
      }
      const before = publisher.sent;
      await waitFor(() => publisher.sent >= before + 10, 'traffic after the last restore');
    } finally {
      sent = await publisher.stop();
    }
    await waitFor(() => received.length >= sent, `${sent} messages, got ${received.length}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(restored, [true, true, true], 'restored each time (?sid=), no new session');
    assertExactlyOnce(received, sent);
  });

  test('a gateway restart keeps the epoch: offsets from before it are answered after it', async () => {
    const stream = 'redis:epoch';
    const before = await raw(0, EXT);
    before.subscribe(feed(stream));
    await before.waitForConfirm(feed(stream));
    await publishAll(0, stream, 1, 2);
    await waitFor(() => streamFrames(before, feed(stream)).length >= 2, 'two messages');
    const [seen] = streamFrames(before, feed(stream));
    before.close();
    await Promise.all([cluster.restart(0), cluster.restart(1)]);
    await publishAll(0, stream, 3, 3);
    const after = await raw(1, EXT);
    after.send({ command: 'subscribe', identifier: feed(stream), history: { streams: { [stream]: { epoch: seen!.epoch, offset: seen!.offset } } } });
    await after.waitForFrame((frame) => isFrame(frame) && frame.type === 'confirm_history', 'confirm_history after the restarts');
    assert.deepEqual(
      streamFrames(after, feed(stream)).map((frame) => [frame.message, frame.epoch, frame.offset]),
      [[{ n: 2 }, seen!.epoch, 2], [{ n: 3 }, seen!.epoch, 3]],
      'same epoch, history from the offset seen before the restarts',
    );
  });

  test('Redis down: live delivery goes on without positions, history refused, no restore; counted, logged once; back by itself (a Redis that lost its data gives a new epoch)', async () => {
    const stream = 'redis:outage';
    const client = await restoring(0, stream);
    await publishAll(0, stream, 1, 1);
    await client.waitForCount(1);
    const [first] = streamFrames(client.connection, feed(stream));
    const sid = client.sessionId;
    await redis.kill();
    try {
      const started = Date.now();
      await publishAll(0, stream, 2, 3);
      await client.waitForCount(3);
      assert.ok(Date.now() - started < 3_000, 'live delivery does not wait for Redis');
      const live = streamFrames(client.connection, feed(stream)).slice(1);
      assert.deepEqual(live.map((frame) => frame.message), [{ n: 2 }, { n: 3 }]);
      for (const frame of live) assert.equal(frame.offset, undefined, 'no position without the broker');
      client.connection.send({ command: 'history', identifier: feed(stream), history: { since: 1 } });
      const answer = await client.connection.waitForFrame((frame) => isFrame(frame) && String(frame.type).endsWith('_history'), 'history answer', 3_000);
      assert.deepEqual(answer, { type: 'reject_history', identifier: feed(stream) });
      const fresh = await raw(0, EXT, `?sid=${encodeURIComponent(sid)}`);
      assert.equal((fresh.frames[0] as Frame).restored, false, 'a fresh session (Connect) when sessions cannot be read');
      assert.ok((await metric(0, 'broker_errors_total')) >= 3, 'failures counted');
      const errors = cluster.gateways[0]!.process.output().match(/Redis broker unreachable/g) ?? [];
      assert.equal(errors.length, 1, 'logged once for the episode');
    } finally {
      await redis.restart();
    }
    await waitFor(
      async () => {
        await cluster.publish(0, { stream, data: JSON.stringify({ n: 99 }) });
        return streamFrames(client.connection, feed(stream)).slice(3).some((frame) => typeof frame.offset === 'number');
      },
      'positions again once Redis is back',
      15_000,
    );
    assert.match(cluster.gateways[0]!.process.output(), /Redis broker reachable again: registration resumed/);
    const positioned = streamFrames(client.connection, feed(stream)).slice(3).filter((frame) => typeof frame.offset === 'number');
    assert.notEqual(positioned[0]!.epoch, first!.epoch, 'the restarted Redis kept nothing (no persistence): a new epoch, so old offsets are refused, not misread');
  });

  async function metric(index: number, name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${cluster.gateways[index]!.port}/metrics`)).text();
    return Number(new RegExp(`^anycable_go_${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  }
});
