import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerCluster, isFrame, streamFrames, type Frame } from '../support/broker-cluster.js';
import type { WebSocket } from 'ws';
import { createAnyCable, RawCableClient } from '../support/cable-clients.js';
import { waitFor } from '../support/ports.js';
import { EXT_PROTOCOL, RestoringClient, SequencePublisher } from '../support/restoring-client.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startNats, type TestService } from '../support/services.js';

const EXT = [EXT_PROTOCOL];
const feed = (stream: string): string => JSON.stringify({ channel: 'Feed', stream });

describe('broker=nats: history and sessions in NATS JetStream, shared by two gateways', () => {
  let nats: TestService;
  let rpc: ScriptedRpcServer;
  let cluster: BrokerCluster;
  const clients: { close(): void }[] = [];

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
    nats = await startNats({ jetstream: true });
    rpc = await ScriptedRpcServer.start();
    cluster = await BrokerCluster.start({ ANYCABLE_RPC_HOST: rpc.address, ANYCABLE_BROKER: 'nats', ANYCABLE_NATS_SERVERS: nats.url, ANYCABLE_PUBSUB: 'nats' });
  });

  after(async () => {
    for (const client of clients) client.close();
    await cluster?.stop();
    await rpc?.stop();
    await nats?.stop();
  });

  test('one position per publication (its JetStream sequence number), the same on both gateways and both sub-protocols', async () => {
    const stream = 'nats:positions';
    const ext = await raw(0, EXT);
    const plain = await raw(1, ['actioncable-v1-json']);
    for (const client of [ext, plain]) {
      client.subscribe(feed(stream));
      await client.waitForConfirm(feed(stream));
    }
    await publishAll(0, stream, 1, 2);
    // Publications taken by two gateways at the same moment reach each gateway in its own order:
    // the third goes in at the other gateway once the first two are there.
    await waitFor(() => streamFrames(plain, feed(stream)).length >= 2, 'two relayed messages');
    await publishAll(1, stream, 3, 3);
    for (const client of [ext, plain]) await waitFor(() => streamFrames(client, feed(stream)).length >= 3, 'three messages');
    const first = streamFrames(ext, feed(stream));
    assert.deepEqual(first.map((frame) => [frame.message, frame.stream_id, frame.offset]), [[{ n: 1 }, stream, 1], [{ n: 2 }, stream, 2], [{ n: 3 }, stream, 3]]);
    assert.match(String(first[0]!.epoch), /^[\w-]{4}$/);
    assert.deepEqual(streamFrames(plain, feed(stream)), first, 'same frames, positions included, on the other gateway and the plain protocol');
  });

  for (const [where, back] of [['the same gateway', 0], ['the other gateway', 1]] as const) {
    test(`abrupt drop, immediate restore on ${where}: exactly the missed messages, once, in order, then live`, async () => {
      const stream = `nats:drop-${back}`;
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

  test('gateway 1 SIGKILLed under live traffic: its clients restore on gateway 2 with nothing lost', async () => {
    const stream = 'nats:crash';
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

  test('the real @anycable/web client, its socket destroyed three times and back on alternating gateways, publications into both, gets every message once, in order', async () => {
    const stream = 'nats:web';
    const cable = createAnyCable(url(0), { protocol: 'actioncable-v1-ext-json' });
    clients.push({ close: () => cable.disconnect() });
    const channel = cable.subscribeTo('Feed', { stream });
    await channel.ensureSubscribed();
    const received: number[] = [];
    const offsets: number[] = [];
    channel.on('message', (message: unknown, meta: unknown) => {
      received.push((message as { n: number }).n);
      offsets.push(Number((meta as { offset?: number } | undefined)?.offset));
    });
    const restored: boolean[] = [];
    cable.on('connect', (event: unknown) => restored.push((event as { restored: boolean }).restored));
    // The cable's socket and URL, which @anycable/web keeps on its transport (not in its typings).
    const transport = cable.transport as unknown as { ws: WebSocket; setURL(url: string): void; setParam(key: string, value: string): void };
    // A gateway orders a stream from the first publication of it that it delivers on: one first.
    await cluster.publish(1, { stream, data: '{"n":0}' });
    await waitFor(() => received.length === 1, 'the first publication');
    received.length = offsets.length = 0;
    // Publications spread over both gateways' HTTP intakes, as a load balancer would: each gateway
    // registers its own and relays it; every gateway delivers the stream in offset order.
    const publisher = new SequencePublisher([() => cluster.broadcastUrl(0), () => cluster.broadcastUrl(1)], stream, 10);
    let sent: number;
    try {
      for (const back of [1, 0, 1]) {
        const before = publisher.sent;
        await waitFor(() => publisher.sent >= before + 10 && received.length >= before, 'traffic reaching the client');
        transport.ws.terminate();
        await waitFor(() => cable.state !== 'connected', `the client saw its connection go (${cable.state})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Another gateway, as a load balancer would pick: the client's own sid parameter goes with it.
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
    // The stream's order is the broker's (offsets): two gateways register what they took as it comes,
    // so it need not be the order the publisher sent in (an HTTP 201 does not wait for the registration).
    assert.deepEqual([...received].sort((a, b) => a - b), Array.from({ length: sent }, (_, index) => index + 1), 'every message once');
    assert.deepEqual(offsets, Array.from({ length: sent }, (_, index) => offsets[0]! + index), 'in offset order, no gap, no repeat');
  });

  test('a gateway restart keeps the epoch: offsets from before it are answered after it', async () => {
    const stream = 'nats:epoch';
    const before = await raw(0, EXT);
    before.subscribe(feed(stream));
    await before.waitForConfirm(feed(stream));
    await publishAll(0, stream, 1, 2);
    await waitFor(() => streamFrames(before, feed(stream)).length >= 2, 'two messages');
    const [seen] = streamFrames(before, feed(stream));
    before.close();
    // Both at once: no gateway keeps the epoch in memory through the restart, it comes from NATS.
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

  test('NATS down: live delivery goes on without positions, history refused, no restore; counted, logged once; back by itself', async () => {
    const stream = 'nats:outage';
    const client = await restoring(0, stream);
    await publishAll(0, stream, 1, 1);
    await client.waitForCount(1);
    const sid = client.sessionId;
    await nats.kill();
    try {
      await publishAll(0, stream, 2, 3);
      await client.waitForCount(3);
      const live = streamFrames(client.connection, feed(stream)).slice(1);
      assert.deepEqual(live.map((frame) => frame.message), [{ n: 2 }, { n: 3 }]);
      for (const frame of live) assert.equal(frame.offset, undefined, 'no position without the broker');
      client.connection.send({ command: 'history', identifier: feed(stream), history: { since: 1 } });
      const answer = await client.connection.waitForFrame((frame) => isFrame(frame) && String(frame.type).endsWith('_history'), 'history answer', 8_000);
      assert.deepEqual(answer, { type: 'reject_history', identifier: feed(stream) });
      const fresh = await raw(0, EXT, `?sid=${encodeURIComponent(sid)}`);
      assert.equal((fresh.frames[0] as Frame).restored, false, 'a fresh session (Connect) when sessions cannot be read');
      assert.ok((await metric(0, 'broker_errors_total')) >= 3, 'failures counted');
      const warnings = cluster.gateways[0]!.process.output().match(/NATS broker unavailable/g) ?? [];
      assert.equal(warnings.length, 1, 'logged once for the episode');
    } finally {
      await nats.restart();
    }
    await waitFor(
      async () => {
        await cluster.publish(0, { stream, data: JSON.stringify({ n: 99 }) });
        return streamFrames(client.connection, feed(stream)).some((frame) => typeof frame.offset === 'number' && frame.offset > 1);
      },
      'positions again once NATS is back',
      15_000,
    );
    assert.match(cluster.gateways[0]!.process.output(), /NATS broker available again/);
  });

  async function metric(index: number, name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${cluster.gateways[index]!.port}/metrics`)).text();
    return Number(new RegExp(`^anycable_go_${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  }
});
