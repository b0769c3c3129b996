import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createAnyCable, isFrame, RawCableClient, streamFrames, type AnyCable, type Frame } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { startHalfOpenProxy, type HalfOpenProxy } from '../support/half-open-proxy.js';
import { waitFor } from '../support/ports.js';
import { RestoringClient, SequencePublisher } from '../support/restoring-client.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';

const EXT = ['actioncable-v1-ext-json'];

describe('broker=memory: stream history, offsets and session restore', () => {
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const raws: RawCableClient[] = [];
  const cables: AnyCable[] = [];
  const proxies: HalfOpenProxy[] = [];
  const restoring: RestoringClient[] = [];

  const raw = async (protocols = EXT, query = ''): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(`${gateway.url()}${query}`, { protocols });
    raws.push(client);
    return client;
  };
  const subscribed = async (client: RawCableClient, identifier: string): Promise<void> => {
    client.subscribe(identifier);
    await client.waitForConfirm(identifier);
  };

  /** An ext session of `user` subscribed to `identifier`, closed and gone from the gateway (Disconnect called): its sid. */
  const closedSession = async (user: string, identifier: string): Promise<string> => {
    const client = await raw(EXT, `?user=${user}`);
    await subscribed(client, identifier);
    const sid = (client.frames[0] as Frame).sid as string;
    client.close();
    await rpc.waitForCalls('Disconnect', 1, 10_000, (call) => call.metadata.sid === sid);
    return sid;
  };

  before(async () => {
    rpc = await ScriptedRpcServer.start();
    gateway = await startGateway({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_BROADCAST_ADAPTER: 'http',
      ANYCABLE_PUBSUB: 'none',
      ANYCABLE_BROKER: 'memory',
      ANYCABLE_PING_INTERVAL: '1',
    });
  });

  after(async () => {
    for (const cable of cables) cable.disconnect();
    for (const client of raws) client.close();
    for (const client of restoring) client.close();
    for (const proxy of proxies) await proxy.close();
    await gateway?.stop();
    await rpc?.stop();
  });

  test('frames carry stream_id, epoch and increasing offsets on both protocols; history and history since work on actioncable-v1-json', async () => {
    const id = '{"channel":"Feed","stream":"feed:offsets"}';
    const ext = await raw();
    const plain = await raw(['actioncable-v1-json']);
    await subscribed(ext, id);
    await subscribed(plain, id);
    await gateway.publish({ stream: 'feed:offsets', data: '{"n":1}' });
    await gateway.publish({ stream: 'feed:offsets', data: '{"n":2}' });
    await ext.waitForMessages(id, 2);
    await plain.waitForMessages(id, 2);
    const [first, second] = streamFrames(ext, id);
    assert.equal(typeof first!.epoch, 'string');
    assert.deepEqual(first, { identifier: id, message: { n: 1 }, stream_id: 'feed:offsets', epoch: first!.epoch, offset: 1 });
    assert.deepEqual(second, { identifier: id, message: { n: 2 }, stream_id: 'feed:offsets', epoch: first!.epoch, offset: 2 });
    assert.deepEqual(streamFrames(plain, id), [first, second], 'the plain protocol gets the same positions (anycable-go)');

    await gateway.publish({ stream: 'feed:offsets', data: '{"n":3}' });
    await plain.waitForMessages(id, 3);
    plain.send({ command: 'history', identifier: id, history: { streams: { 'feed:offsets': { epoch: first!.epoch, offset: 1 } } } });
    await plain.waitForFrame((frame) => isFrame(frame) && frame.type === 'confirm_history', 'confirm_history on the plain protocol');
    const afterOffset = plain.messages.slice(plain.messages.findIndex((frame) => isFrame(frame) && frame.message && (frame.message as { n: number }).n === 3) + 1);
    assert.deepEqual(afterOffset, [
      { identifier: id, message: { n: 2 }, stream_id: 'feed:offsets', epoch: first!.epoch, offset: 2 },
      { identifier: id, message: { n: 3 }, stream_id: 'feed:offsets', epoch: first!.epoch, offset: 3 },
      { type: 'confirm_history', identifier: id },
    ]);
    const since = await raw(['actioncable-v1-json']);
    await subscribed(since, id);
    since.send({ command: 'history', identifier: id, history: { since: Math.floor(Date.now() / 1000) - 60 } });
    await since.waitForFrame((frame) => isFrame(frame) && frame.type === 'confirm_history', 'confirm_history (since, plain)');
    assert.deepEqual(streamFrames(since, id).map((frame) => frame.offset), [1, 2, 3]);
  });

  test('a client that missed broadcasts gets them replayed in order, transient ones excepted, then confirm_history', async () => {
    const id = '{"channel":"Feed","stream":"feed:missed"}';
    const before = await raw();
    await subscribed(before, id);
    await gateway.publish({ stream: 'feed:missed', data: '{"n":1}' });
    const [seen] = (await waitFor(() => (streamFrames(before, id).length >= 1 ? streamFrames(before, id) : null), 'first message')) as Frame[];
    before.close();
    await before.closed;
    await gateway.publish({ stream: 'feed:missed', data: '{"n":2}' });
    await gateway.publish({ stream: 'feed:missed', data: '{"typing":true}', meta: { transient: true } });
    await gateway.publish({ stream: 'feed:missed', data: '"three"' });

    const back = await raw();
    await subscribed(back, id);
    back.send({ command: 'history', identifier: id, history: { streams: { 'feed:missed': { epoch: seen!.epoch, offset: seen!.offset } } } });
    await back.waitForFrame((frame) => isFrame(frame) && frame.type === 'confirm_history', 'confirm_history');
    const replay = back.messages.filter((frame) => isFrame(frame) && frame.type !== 'confirm_subscription' && frame.type !== 'welcome');
    assert.deepEqual(replay, [
      { identifier: id, message: { n: 2 }, stream_id: 'feed:missed', epoch: seen!.epoch, offset: 2 },
      { identifier: id, message: 'three', stream_id: 'feed:missed', epoch: seen!.epoch, offset: 3 },
      { type: 'confirm_history', identifier: id },
    ]);

    const since = await raw();
    await subscribed(since, id);
    since.send({ command: 'history', identifier: id, history: { since: Math.floor(Date.now() / 1000) - 60 } });
    await since.waitForFrame((frame) => isFrame(frame) && frame.type === 'confirm_history', 'confirm_history (since)');
    assert.deepEqual(streamFrames(since, id).map((frame) => frame.offset), [1, 2, 3], 'since: everything stored in the window');
  });

  test('an unknown epoch (e.g. from before a restart) is answered reject_history, nothing replayed', async () => {
    const id = '{"channel":"Feed","stream":"feed:epoch"}';
    await gateway.publish({ stream: 'feed:epoch', data: '1' });
    const client = await raw();
    await subscribed(client, id);
    client.send({ command: 'history', identifier: id, history: { streams: { 'feed:epoch': { epoch: 'not-this-one', offset: 1 } } } });
    const reply = await client.waitForFrame((frame) => isFrame(frame) && String(frame.type).endsWith('_history'), 'history reply');
    assert.deepEqual(reply, { type: 'reject_history', identifier: id });
    assert.deepEqual(streamFrames(client, id), [], 'nothing replayed');
  });

  test('@anycable/web: the real client reconnects with ?sid=, is restored without Connect, asks for history and gets what it missed', async () => {
    const cable = createAnyCable(gateway.url(), { protocol: 'actioncable-v1-ext-json' });
    cables.push(cable);
    const channel = cable.subscribeTo('Feed', { stream: 'feed:web' });
    await channel.ensureSubscribed();
    const received: unknown[] = [];
    channel.on('message', (message: unknown) => received.push(message));
    await gateway.publish({ stream: 'feed:web', data: '{"n":1}' });
    await waitFor(() => received.length >= 1, 'live message');
    const sid = cable.sessionId;
    assert.ok(sid, 'the ext welcome gave the client its sid');
    cable.disconnect();
    await waitFor(() => cable.state === 'closed', `client disconnected (${cable.state})`);
    await rpc.waitForCalls('Disconnect', 1, 10_000, (call) => call.metadata.sid === sid);
    const connects = rpc.callsOf('Connect').length;
    const events: unknown[] = [];
    cable.on('connect', (event: unknown) => events.push(event));
    await gateway.publish({ stream: 'feed:web', data: '{"n":2}' });
    await gateway.publish({ stream: 'feed:web', data: '{"n":3}', meta: { transient: true } });
    await gateway.publish({ stream: 'feed:web', data: '{"n":4}' });
    await cable.connect();
    await waitFor(() => received.length >= 3, `replayed messages, got ${JSON.stringify(received)}`);
    await gateway.publish({ stream: 'feed:web', data: '{"n":5}' });
    await waitFor(() => received.length >= 4, `live after replay, got ${JSON.stringify(received)}`);
    assert.deepEqual(received, [{ n: 1 }, { n: 2 }, { n: 4 }, { n: 5 }]);
    assert.deepEqual(events.map((event) => (event as { restored: boolean }).restored), [true], 'the client restored its session (?sid=)');
    assert.equal(rpc.callsOf('Connect').length, connects, 'no Connect call for the restored session');
  });

  test('?sid= restores a closed session without Connect: new sid, restored_ids, its streams and identifiers back', async () => {
    const id = '{"channel":"Feed","stream":"feed:restore"}';
    const oldSid = await closedSession('restorer', id);
    const connects = rpc.callsOf('Connect').length;
    const subscribes = rpc.commands('subscribe').length;

    const restored = await raw(EXT, `?sid=${encodeURIComponent(oldSid)}`);
    const welcome = restored.frames[0] as Frame;
    assert.equal(welcome.restored, true);
    assert.deepEqual(welcome.restored_ids, [id]);
    assert.equal(typeof welcome.sid, 'string');
    assert.notEqual(welcome.sid, oldSid, 'the restored session has a sid of its own');
    assert.equal(rpc.callsOf('Connect').length, connects, 'no Connect call');
    await gateway.publish({ stream: 'feed:restore', data: '{"after":"restore"}' });
    const [frame] = (await waitFor(() => (streamFrames(restored, id).length >= 1 ? streamFrames(restored, id) : null), 'broadcast after restore')) as Frame[];
    assert.deepEqual(frame!.message, { after: 'restore' });
    assert.equal(frame!.stream_id, 'feed:restore');
    restored.perform(id, { action: 'speak' });
    await restored.waitForMessages(id, 2);
    const command = rpc.commands('message').at(-1)!;
    assert.equal(command.request.connection_identifiers, '{"user":"restorer"}', 'identifiers restored');
    assert.equal(command.metadata.sid, welcome.sid);
    assert.equal(rpc.commands('subscribe').length, subscribes, 'no subscribe call');

    const again = await raw(EXT, `?sid=${encodeURIComponent(oldSid)}`);
    assert.equal((again.frames[0] as Frame).restored, false, 'a snapshot is restored once');
    const plain = await raw(['actioncable-v1-json'], '?sid=whatever');
    assert.deepEqual(plain.frames[0], { type: 'welcome' });
    assert.equal(rpc.callsOf('Connect').length, connects + 2, 'the others went through Connect');
  });

  test('X-ANYCABLE-RESTORE-SID restores too; an unknown sid gets a fresh session', async () => {
    const id = '{"channel":"Feed","stream":"feed:header"}';
    const oldSid = await closedSession('by-header', id);
    const client = await RawCableClient.welcomed(gateway.url(), { protocols: EXT, headers: { 'X-ANYCABLE-RESTORE-SID': oldSid } });
    raws.push(client);
    assert.deepEqual((client.frames[0] as Frame).restored_ids, [id]);
    const unknown = await raw(EXT, '?sid=never-seen');
    assert.equal((unknown.frames[0] as Frame).restored, false);
  });

  test('half-open: a restore while the old socket still looks alive takes the session over (old one closed, its Disconnect called); nothing missed, nothing twice', async () => {
    const id = '{"channel":"Feed","stream":"feed:half-open"}';
    const proxy = await startHalfOpenProxy(gateway.port);
    proxies.push(proxy);
    const client = await RestoringClient.subscribe(proxy.url(), id, 'feed:half-open');
    restoring.push(client);
    const oldSid = client.sessionId;
    await gateway.publish({ stream: 'feed:half-open', data: '{"n":1}' });
    await client.waitForCount(1);
    const connects = rpc.callsOf('Connect').length;

    proxy.cut();
    await gateway.publish({ stream: 'feed:half-open', data: '{"n":2}' });
    await gateway.publish({ stream: 'feed:half-open', data: '{"n":3}' });
    assert.equal(proxy.halfOpen, 1, 'the gateway still holds the old socket open');
    assert.equal(rpc.callsOf('Disconnect').filter((call) => call.metadata.sid === oldSid).length, 0, 'the gateway has not noticed the drop');

    await client.restore(gateway.url());
    await gateway.publish({ stream: 'feed:half-open', data: '{"n":4}' });
    await client.waitForCount(4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    client.assertExactlyOnce(4);
    assert.equal(rpc.callsOf('Connect').length, connects, 'restored without Connect');
    await rpc.waitForCalls('Disconnect', 1, 5_000, (call) => call.metadata.sid === oldSid);
    await waitFor(() => proxy.halfOpen === 0, 'the gateway closed the old socket');
  });

  test('exactly once, in order, under live traffic: abrupt drops (no close frame) and half-open cuts, each followed by an immediate restore', async () => {
    const id = '{"channel":"Feed","stream":"feed:storm"}';
    const proxy = await startHalfOpenProxy(gateway.port);
    proxies.push(proxy);
    const client = await RestoringClient.subscribe(proxy.url(), id, 'feed:storm');
    restoring.push(client);
    const publisher = new SequencePublisher([() => gateway.broadcastUrl()], 'feed:storm', 2);
    for (let round = 0; round < 6; round++) {
      await waitFor(() => client.received.length > 0 && publisher.sent > round * 15 + 10, 'traffic');
      if (round % 2 === 0) proxy.cut();
      else client.drop();
      await client.restore(round % 2 === 0 ? gateway.url() : proxy.url());
    }
    const sent = await publisher.stop();
    await client.waitForCount(sent);
    await new Promise((resolve) => setTimeout(resolve, 200));
    client.assertExactlyOnce(sent);
    assert.equal(client.restores, 6);
  });
});
