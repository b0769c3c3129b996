/**
 * The reliable-streams suite every distributed broker (`broker=redis`, `broker=nats`) must pass:
 * two gateways on one backend, clients that drop and restore on either, a gateway killed under
 * traffic, a restart that keeps the epoch. A backend's test file calls `useBrokerBed`,
 * `sharedRestoreTests` and `sharedFailoverTests` inside its `describe`, and adds the tests only it
 * has (its storage, its outage) between them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { BrokerCluster } from './broker-cluster.js';
import { createAnyCable, isFrame, RawCableClient, streamFrames, type Frame } from './cable-clients.js';
import { waitFor } from './ports.js';
import { assertExactlyOnce, EXT_PROTOCOL, RestoringClient, SequencePublisher } from './restoring-client.js';
import { feed, ScriptedRpcServer } from './scripted-rpc-server.js';
import type { TestService } from './services.js';

export const EXT = [EXT_PROTOCOL];

/** A distributed broker under test. */
export interface BrokerBackend {
  /** `redis` or `nats`: the prefix of the streams the shared tests use. */
  readonly name: string;
  /** Starts a private server of the backend. */
  startService(): Promise<TestService>;
  /** The gateways' settings for that server (broker, pub/sub and their options). */
  gatewayEnv(service: TestService): Record<string, string>;
  /**
   * Publications posted one after the other to both gateways' HTTP intakes are registered in the
   * order they were posted, so a client gets them in that order (Redis: what the Redis tests have
   * always asserted). It holds while each registration ends before the next post, which an HTTP 201
   * does not wait for: on a heavily loaded machine it can fail, before this suite as after it. When
   * false (NATS), only the broker's offset order is asserted.
   */
  readonly registersInPostOrder: boolean;
}

/** The backend, an RPC server and two gateways on them, for the tests of one `describe`. */
export class BrokerBed {
  service!: TestService;
  rpc!: ScriptedRpcServer;
  cluster!: BrokerCluster;
  /** Closed after the suite. */
  readonly clients: { close(): void | Promise<void> }[] = [];

  url(index: number): string {
    return this.cluster.gateways[index]!.url();
  }

  /** Publishes `{"n":from}` … `{"n":to}` to `stream` through gateway `index`, one after the other. */
  async publishAll(index: number, stream: string, from: number, to: number): Promise<void> {
    for (let n = from; n <= to; n++) await this.cluster.publish(index, { stream, data: JSON.stringify({ n }) });
  }

  /** A restoring client subscribed to `stream` on gateway `index`. */
  async restoring(index: number, stream: string): Promise<RestoringClient> {
    return this.track(await RestoringClient.subscribe(this.url(index), feed(stream), stream));
  }

  /** A raw client welcomed by gateway `index` (`query`: `?sid=…`). */
  async raw(index: number, protocols: string[], query = ''): Promise<RawCableClient> {
    return this.track(await RawCableClient.welcomed(`${this.url(index)}${query}`, { protocols }));
  }

  /** An ext-protocol client on gateway 0 and a plain one on gateway 1, both subscribed to `stream`. */
  async subscribedOnBoth(stream: string): Promise<[ext: RawCableClient, plain: RawCableClient]> {
    const pair: [RawCableClient, RawCableClient] = [await this.raw(0, EXT), await this.raw(1, ['actioncable-v1-json'])];
    for (const client of pair) {
      client.subscribe(feed(stream));
      await client.waitForConfirm(feed(stream));
    }
    return pair;
  }

  /** Waits for `count` messages of `stream` on both clients; asserts they got the same frames; returns them. */
  async sameFramesOnBoth(ext: RawCableClient, plain: RawCableClient, stream: string, count: number): Promise<Frame[]> {
    for (const client of [ext, plain]) await waitFor(() => streamFrames(client, feed(stream)).length >= count, `${count} messages`);
    const frames = streamFrames(ext, feed(stream));
    assert.deepEqual(streamFrames(plain, feed(stream)), frames, 'same frames, positions included, on the other gateway and the plain protocol');
    return frames;
  }

  /**
   * With the backend down, after `client` got `{"n":1}` then `{"n":2}`, `{"n":3}`: these came live
   * without positions, history is refused, the old session is not restored, failures are counted.
   */
  async assertRunsWithoutBroker(client: RestoringClient, stream: string, sid: string, historyTimeoutMs: number): Promise<void> {
    const live = streamFrames(client.connection, feed(stream)).slice(1);
    assert.deepEqual(live.map((frame) => frame.message), [{ n: 2 }, { n: 3 }]);
    for (const frame of live) assert.equal(frame.offset, undefined, 'no position without the broker');
    client.connection.send({ command: 'history', identifier: feed(stream), history: { since: 1 } });
    const answer = await client.connection.waitForFrame((frame) => isFrame(frame) && String(frame.type).endsWith('_history'), 'history answer', historyTimeoutMs);
    assert.deepEqual(answer, { type: 'reject_history', identifier: feed(stream) });
    const fresh = await this.raw(0, EXT, `?sid=${encodeURIComponent(sid)}`);
    assert.equal((fresh.frames[0] as Frame).restored, false, 'a fresh session (Connect) when sessions cannot be read');
    assert.ok((await this.metric(0, 'broker_errors_total')) >= 3, 'failures counted');
  }

  /** A counter of gateway `index`'s Prometheus metrics (`anycable_go_<name>`), 0 when absent. */
  async metric(index: number, name: string): Promise<number> {
    const text = await (await fetch(`http://127.0.0.1:${this.cluster.gateways[index]!.port}/metrics`)).text();
    return Number(new RegExp(`^anycable_go_${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  }

  /** Closes `client` after the suite. */
  track<T extends { close(): void | Promise<void> }>(client: T): T {
    this.clients.push(client);
    return client;
  }
}

/** Registers, in the current `describe`, the start (before) and stop (after) of a bed on `backend`. */
export function useBrokerBed(backend: BrokerBackend): BrokerBed {
  const bed = new BrokerBed();
  before(async () => {
    bed.service = await backend.startService();
    bed.rpc = await ScriptedRpcServer.start();
    bed.cluster = await BrokerCluster.start({ ANYCABLE_RPC_HOST: bed.rpc.address, ...backend.gatewayEnv(bed.service) });
  });
  after(async () => {
    for (const client of bed.clients) await client.close();
    await bed.cluster?.stop();
    await bed.rpc?.stop();
    await bed.service?.stop();
  });
  return bed;
}

/**
 * Registers, in the current `describe`, the restore tests every distributed broker passes: a client
 * drops and comes back on the same or the other gateway. Both gateways stay up.
 */
export function sharedRestoreTests(bed: BrokerBed, backend: BrokerBackend): void {
  for (const [where, back] of [['the same gateway', 0], ['the other gateway', 1]] as const) {
    test(`abrupt drop, immediate restore on ${where}: exactly the missed messages, once, in order, then live`, async () => {
      const stream = `${backend.name}:drop-${back}`;
      const client = await bed.restoring(0, stream);
      await bed.publishAll(0, stream, 1, 2);
      await client.waitForCount(2);
      const connects = bed.rpc.callsOf('Connect').length;
      client.drop();
      await bed.publishAll(1 - back, stream, 3, 6);
      await client.restore(bed.url(back));
      assert.equal(bed.rpc.callsOf('Connect').length, connects, 'restored without Connect');
      await bed.publishAll(back, stream, 7, 8);
      await client.waitForCount(8);
      await new Promise((resolve) => setTimeout(resolve, 200));
      client.assertExactlyOnce(8);
    });
  }
}

/**
 * Registers, in the current `describe`, the failover tests every distributed broker passes: a gateway
 * killed under traffic, a client moved between gateways, both gateways restarted. After them the
 * gateways are new processes (on new ports).
 */
export function sharedFailoverTests(bed: BrokerBed, backend: BrokerBackend): void {
  test('gateway 1 SIGKILLed under live traffic: its clients restore on gateway 2 with nothing lost', async () => {
    const stream = `${backend.name}:crash`;
    const onFirst = await Promise.all([1, 2, 3].map(() => bed.restoring(0, stream)));
    const publisher = new SequencePublisher([() => bed.cluster.broadcastUrl(1)], stream, 10);
    await waitFor(() => publisher.sent >= 20, 'traffic under way');
    await bed.cluster.gateways[0]!.stop('SIGKILL');
    let sent: number;
    try {
      await Promise.all(onFirst.map((client) => client.restore(bed.url(1))));
      await waitFor(() => publisher.sent >= 60, 'traffic after the restores');
    } finally {
      sent = await publisher.stop();
      await bed.cluster.startAgain(0);
    }
    for (const client of onFirst) {
      await client.waitForCount(sent);
      client.assertExactlyOnce(sent);
    }
  });

  test('the real @anycable/web client, its socket destroyed three times and back on alternating gateways, publications into both, gets every message once, in order', async () => {
    const stream = `${backend.name}:web`;
    const cable = createAnyCable(bed.url(0), { protocol: 'actioncable-v1-ext-json' });
    bed.track({ close: () => cable.disconnect() });
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
    await bed.cluster.publish(1, { stream, data: '{"n":0}' });
    await waitFor(() => received.length === 1, 'the first publication');
    received.length = offsets.length = 0;
    // Publications spread over both gateways' HTTP intakes, as a load balancer would: each gateway
    // registers its own and relays it; every gateway delivers the stream in offset order.
    const publisher = new SequencePublisher([() => bed.cluster.broadcastUrl(0), () => bed.cluster.broadcastUrl(1)], stream, 10);
    let sent: number;
    try {
      for (const back of [1, 0, 1]) {
        const before = publisher.sent;
        await waitFor(() => publisher.sent >= before + 10 && received.length >= before, 'traffic reaching the client');
        transport.ws.terminate();
        await waitFor(() => cable.state !== 'connected', `the client saw its connection go (${cable.state})`);
        await new Promise((resolve) => setTimeout(resolve, 50));
        // Another gateway, as a load balancer would pick: the client's own sid parameter goes with it.
        transport.setURL(bed.url(back));
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
    // The stream's order is the broker's (offsets): two gateways register what they took as it comes.
    assert.deepEqual([...received].sort((a, b) => a - b), Array.from({ length: sent }, (_, index) => index + 1), 'every message once');
    assert.deepEqual(offsets, Array.from({ length: sent }, (_, index) => offsets[0]! + index), 'in offset order, no gap, no repeat');
    if (backend.registersInPostOrder) assertExactlyOnce(received, sent);
  });

  test('a gateway restart keeps the epoch: offsets from before it are answered after it', async () => {
    const stream = `${backend.name}:epoch`;
    const before = await bed.raw(0, EXT);
    before.subscribe(feed(stream));
    await before.waitForConfirm(feed(stream));
    await bed.publishAll(0, stream, 1, 2);
    await waitFor(() => streamFrames(before, feed(stream)).length >= 2, 'two messages');
    const [seen] = streamFrames(before, feed(stream));
    before.close();
    // Both at once: no gateway keeps the epoch in memory through the restart, it comes from the broker.
    await Promise.all([bed.cluster.restart(0), bed.cluster.restart(1)]);
    await bed.publishAll(0, stream, 3, 3);
    const after = await bed.raw(1, EXT);
    after.send({ command: 'subscribe', identifier: feed(stream), history: { streams: { [stream]: { epoch: seen!.epoch, offset: seen!.offset } } } });
    await after.waitForFrame((frame) => isFrame(frame) && frame.type === 'confirm_history', 'confirm_history after the restarts');
    assert.deepEqual(
      streamFrames(after, feed(stream)).map((frame) => [frame.message, frame.epoch, frame.offset]),
      [[{ n: 2 }, seen!.epoch, 2], [{ n: 3 }, seen!.epoch, 3]],
      'same epoch, history from the offset seen before the restarts',
    );
  });
}
