/**
 * Presence across two gateways on a shared broker: the set and its events are the same on both.
 * Real @anycable/web clients and raw clients, a private NATS with JetStream (broker=nats, pubsub=nats) or a
 * private Redis (broker=redis, pubsub=redis),
 * a scripted gRPC server standing in for the RPC app (support/presence-script.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BrokerCluster } from '../support/broker-cluster.js';
import { createAnyCable, RawCableClient, type AnyCable } from '../support/cable-clients.js';
import { waitFor } from '../support/ports.js';
import { PRESENCE_SCRIPT } from '../support/presence-script.js';
import { EXT, presenceEvents, sleep, watchPresence, type PresenceFrame } from '../support/presence-clients.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startNats, startRedis, type TestService } from '../support/services.js';

const TTL_S = 2;

for (const backend of ['nats', 'redis'] as const) describe(`presence on two gateways sharing broker=${backend}`, () => {
  let server: TestService;
  let rpc: ScriptedRpcServer;
  let cluster: BrokerCluster;
  const cables: AnyCable[] = [];
  const raws: RawCableClient[] = [];
  const cable = (gateway: number, user: string): AnyCable => {
    const created = createAnyCable(`${cluster.gateways[gateway]!.url()}?user=${user}`, { protocol: 'actioncable-v1-ext-json' });
    cables.push(created);
    return created;
  };
  const subscribed = async (gateway: number, user: string, identifier: string): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(`${cluster.gateways[gateway]!.url()}?user=${user}`, { protocols: EXT });
    raws.push(client);
    client.subscribe(identifier);
    await client.waitForConfirm(identifier);
    return client;
  };
  const infoOf = async (client: RawCableClient, identifier: string): Promise<unknown> => {
    const before = client.frames.length;
    client.send({ command: 'presence', identifier });
    const frame = await client.waitForFrame(
      (f) => client.frames.indexOf(f) >= before && typeof f === 'object' && f.type === 'presence' && (f.message as PresenceFrame).type === 'info',
      'presence info',
    );
    return (frame as { message: unknown }).message;
  };

  before(async () => {
    server = backend === 'nats' ? await startNats({ jetstream: true }) : await startRedis();
    rpc = await ScriptedRpcServer.start(PRESENCE_SCRIPT);
    cluster = await BrokerCluster.start({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_BROKER: backend,
      ...(backend === 'nats' ? { ANYCABLE_NATS_SERVERS: server.url } : { ANYCABLE_REDIS_URL: server.url }),
      ANYCABLE_PUBSUB: backend,
      ANYCABLE_PRESENCE_TTL: String(TTL_S),
    });
  });

  after(async () => {
    for (const created of cables) created.disconnect();
    for (const client of raws) client.ws.terminate();
    await cluster?.stop();
    await rpc?.stop();
    await server?.stop();
  });

  test('@anycable/web on two gateways: each sees the other join and leave, and the same set', async () => {
    const alice = cable(0, 'alice');
    const bob = cable(1, 'bob');
    const aliceRoom = alice.subscribeTo('Room', { stream: 'cluster:web' });
    const bobRoom = bob.subscribeTo('Room', { stream: 'cluster:web' });
    await Promise.all([aliceRoom.ensureSubscribed(), bobRoom.ensureSubscribed()]);
    const aliceSeen = watchPresence(aliceRoom);
    const bobSeen = watchPresence(bobRoom);
    await aliceRoom.presence.join('u-alice', { name: 'Alice' });
    // Events announced by two gateways at once have no common order; one after the other they do.
    await waitFor(() => bobSeen.length >= 1, 'join of alice on the other gateway');
    await bobRoom.presence.join('u-bob', { name: 'Bob' });
    await waitFor(() => aliceSeen.length >= 2 && bobSeen.length >= 2, 'both joins on both gateways');
    assert.deepEqual(aliceSeen.map((e) => e.id), ['u-alice', 'u-bob']);
    assert.deepEqual(bobSeen, aliceSeen, 'the same events in the same order on both gateways');
    const expected = { 'u-alice': { name: 'Alice' }, 'u-bob': { name: 'Bob' } };
    assert.deepEqual(await aliceRoom.presence.info(), expected);
    assert.deepEqual(await bobRoom.presence.info(), expected);
    await bobRoom.presence.leave();
    await waitFor(() => aliceSeen.length >= 3, 'leave of bob on the other gateway');
    assert.deepEqual(aliceSeen[2], { type: 'leave', id: 'u-bob' });
  });

  test('one id with a session on each gateway: one join, leave after the last one leaves', async () => {
    const id = '{"channel":"Room","stream":"cluster:dedup"}';
    const watcher = await subscribed(0, 'watcher', id);
    const here = await subscribed(0, 'carol', id);
    const there = await subscribed(1, 'carol', id);
    here.send({ command: 'join', identifier: id, presence: { id: 'carol' } });
    await waitFor(() => presenceEvents(there, id).length >= 1, 'join seen on the other gateway');
    there.send({ command: 'join', identifier: id, presence: { id: 'carol' } });
    await sleep(300);
    here.send({ command: 'leave', identifier: id });
    await sleep(700);
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'carol' }], 'one join, no leave while a session remains');
    assert.deepEqual(await infoOf(watcher, id), { type: 'info', total: 1, records: [{ id: 'carol' }] });
    there.send({ command: 'leave', identifier: id });
    await waitFor(() => presenceEvents(watcher, id).length >= 2, 'leave after the last session');
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'carol' }, { type: 'leave', id: 'carol' }]);
  });

  test('an abrupt drop on one gateway: exactly one leave after presence_ttl, on both gateways', async () => {
    const id = '{"channel":"Room","stream":"cluster:ttl"}';
    const watcherHere = await subscribed(0, 'w0', id);
    const watcherThere = await subscribed(1, 'w1', id);
    const dave = await subscribed(0, 'dave', id);
    dave.send({ command: 'join', identifier: id, presence: { id: 'dave' } });
    await waitFor(() => presenceEvents(watcherThere, id).length >= 1, 'join of dave on the other gateway');
    const droppedAt = Date.now();
    dave.ws.terminate();
    await waitFor(() => presenceEvents(watcherThere, id).length >= 2 && presenceEvents(watcherHere, id).length >= 2, 'leave after the TTL', (TTL_S + 6) * 1000);
    assert.ok(Date.now() - droppedAt >= TTL_S * 1000 - 100, 'not before presence_ttl');
    await sleep(1500);
    for (const watcher of [watcherHere, watcherThere]) {
      assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'dave' }, { type: 'leave', id: 'dave' }], 'one leave: both gateways sweep, one announces');
    }
  });

  test('a reconnect to the other gateway within presence_ttl sends no event', async () => {
    const id = '{"channel":"Room","stream":"cluster:reconnect"}';
    const watcher = await subscribed(1, 'watcher', id);
    const erin = await subscribed(0, 'erin', id);
    erin.send({ command: 'join', identifier: id, presence: { id: 'erin', info: { name: 'Erin' } } });
    await waitFor(() => presenceEvents(watcher, id).length >= 1, 'join of erin');
    erin.ws.terminate();
    const again = await RawCableClient.welcomed(`${cluster.gateways[1]!.url()}?user=erin`, { protocols: EXT });
    raws.push(again);
    again.send({ command: 'subscribe', identifier: id, presence: { id: 'erin', info: { name: 'Erin' } } });
    await again.waitForConfirm(id);
    await sleep(TTL_S * 1000 + 2000);
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'erin', info: { name: 'Erin' } }], 'no leave, no second join');
    assert.deepEqual(await infoOf(watcher, id), { type: 'info', total: 1, records: [{ id: 'erin', info: { name: 'Erin' } }] });
  });
});
