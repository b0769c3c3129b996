/**
 * Presence on one gateway (broker=memory), with the real @anycable/web client (its
 * `channel.presence.join / leave / info` API) and raw clients for exact frames. The RPC side is a
 * real gRPC server scripted like anycable-go's presence conformance scenarios (support/presence-script.ts).
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAnyCable, RawCableClient, type AnyCable } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { PRESENCE_SCRIPT } from '../support/presence-script.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { EXT, presenceEvents, sleep, watchPresence, type PresenceFrame } from '../support/presence-clients.js';

const TTL_S = 2;

describe('presence on one gateway (broker=memory)', () => {
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const cables: AnyCable[] = [];
  const raws: RawCableClient[] = [];
  const cable = (user: string): AnyCable => {
    const created = createAnyCable(`${gateway.url()}?user=${user}`, { protocol: 'actioncable-v1-ext-json' });
    cables.push(created);
    return created;
  };
  const raw = async (user: string, protocols = EXT): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(`${gateway.url()}?user=${user}`, { protocols });
    raws.push(client);
    return client;
  };
  const subscribed = async (user: string, identifier: string): Promise<RawCableClient> => {
    const client = await raw(user);
    client.subscribe(identifier);
    await client.waitForConfirm(identifier);
    return client;
  };

  before(async () => {
    rpc = await ScriptedRpcServer.start(PRESENCE_SCRIPT);
    gateway = await startGateway({ ANYCABLE_RPC_HOST: rpc.address, ANYCABLE_BROKER: 'memory', ANYCABLE_PRESENCE_TTL: String(TTL_S), ANYCABLE_PRESENCE_MAX_INFO_SIZE: '256' });
  });

  after(async () => {
    for (const created of cables) created.disconnect();
    for (const client of raws) client.ws.terminate();
    await gateway?.stop();
    await rpc?.stop();
  });

  test('@anycable/web: join and leave reach every subscriber, the initiator included; info() gives the set', async () => {
    const alice = cable('alice');
    const bob = cable('bob');
    const aliceRoom = alice.subscribeTo('Room', { stream: 'web:1' });
    const bobRoom = bob.subscribeTo('Room', { stream: 'web:1' });
    await Promise.all([aliceRoom.ensureSubscribed(), bobRoom.ensureSubscribed()]);
    const aliceSeen = watchPresence(aliceRoom);
    const bobSeen = watchPresence(bobRoom);

    await aliceRoom.presence.join('u-alice', { name: 'Alice' });
    await waitFor(() => bobSeen.length >= 1 && aliceSeen.length >= 1, 'join of alice on both clients');
    assert.deepEqual(bobSeen, [{ type: 'join', id: 'u-alice', info: { name: 'Alice' } }]);
    assert.deepEqual(aliceSeen, [{ type: 'join', id: 'u-alice', info: { name: 'Alice' } }]);

    await bobRoom.presence.join('u-bob', { name: 'Bob' });
    await waitFor(() => aliceSeen.length >= 2, 'join of bob');
    assert.deepEqual(await bobRoom.presence.info(), { 'u-alice': { name: 'Alice' }, 'u-bob': { name: 'Bob' } });

    await aliceRoom.presence.leave();
    await waitFor(() => bobSeen.length >= 3, 'leave of alice');
    assert.deepEqual(bobSeen[2], { type: 'leave', id: 'u-alice' });
    assert.deepEqual(await bobRoom.presence.info(), { 'u-bob': { name: 'Bob' } }, "bob's client state follows the events");
  });

  test('one id in two sessions counts once: one join, and leave only after the last session leaves', async () => {
    const id = '{"channel":"Room","stream":"dedup"}';
    const watcher = await subscribed('watcher', id);
    const first = await subscribed('carol', id);
    const second = await subscribed('carol', id);
    first.send({ command: 'join', identifier: id, presence: { id: 'carol', info: { n: 1 } } });
    await waitFor(() => presenceEvents(watcher, id).length >= 1, 'first join');
    second.send({ command: 'join', identifier: id, presence: { id: 'carol', info: { n: 2 } } });
    second.send({ command: 'presence', identifier: id });
    const info = (await second.waitForFrame((f) => typeof f === 'object' && f.type === 'presence' && (f.message as PresenceFrame).type === 'info', 'info')) as { message: unknown };
    assert.deepEqual(info.message, { type: 'info', total: 1, records: [{ id: 'carol', info: { n: 2 } }] }, 'the latest info wins');
    first.send({ command: 'leave', identifier: id });
    await sleep(500);
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'carol', info: { n: 1 } }], 'no leave while a session of the id remains');
    second.send({ command: 'unsubscribe', identifier: id });
    await waitFor(() => presenceEvents(watcher, id).length >= 2, 'leave after the last session');
    assert.deepEqual(presenceEvents(watcher, id)[1], { type: 'leave', id: 'carol' });
  });

  test('an abrupt disconnect keeps the record presence_ttl seconds, then one leave', async () => {
    const id = '{"channel":"Room","stream":"ttl"}';
    const watcher = await subscribed('watcher', id);
    const dave = await subscribed('dave', id);
    dave.send({ command: 'join', identifier: id, presence: { id: 'dave' } });
    await waitFor(() => presenceEvents(watcher, id).length >= 1, 'join of dave');
    const droppedAt = Date.now();
    dave.ws.terminate();
    await waitFor(() => presenceEvents(watcher, id).length >= 2, 'leave after the TTL', (TTL_S + 5) * 1000);
    const after = Date.now() - droppedAt;
    assert.ok(after >= TTL_S * 1000 - 100, `leave came ${after} ms after the drop, not before presence_ttl`);
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'dave' }, { type: 'leave', id: 'dave' }]);
  });

  test('a reconnect within presence_ttl sends no event, and the id stays after the old session expires', async () => {
    const id = '{"channel":"Room","stream":"reconnect"}';
    const watcher = await subscribed('watcher', id);
    const erin = await subscribed('erin', id);
    erin.send({ command: 'join', identifier: id, presence: { id: 'erin', info: { name: 'Erin' } } });
    await waitFor(() => presenceEvents(watcher, id).length >= 1, 'join of erin');
    erin.ws.terminate();
    const again = await raw('erin');
    // What @anycable/web sends after a reconnect: subscribe carrying its presence.
    again.send({ command: 'subscribe', identifier: id, presence: { id: 'erin', info: { name: 'Erin' } } });
    await again.waitForConfirm(id);
    await sleep(TTL_S * 1000 + 1500);
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'erin', info: { name: 'Erin' } }], 'no leave, no second join');
    watcher.send({ command: 'presence', identifier: id });
    const info = await watcher.waitForFrame((f) => typeof f === 'object' && (f.message as PresenceFrame)?.type === 'info', 'info');
    assert.deepEqual((info as { message: unknown }).message, { type: 'info', total: 1, records: [{ id: 'erin', info: { name: 'Erin' } }] });
  });

  test('a session restored with ?sid= (broker=memory) re-joins silently: no leave, no second join', async () => {
    const id = '{"channel":"Room","stream":"restore"}';
    const watcher = await subscribed('watcher', id);
    const fay = await subscribed('fay', id);
    const welcome = fay.frames.find((f) => typeof f === 'object' && f.type === 'welcome') as { sid: string };
    fay.send({ command: 'join', identifier: id, presence: { id: 'fay' } });
    await waitFor(() => presenceEvents(watcher, id).length >= 1, 'join of fay');
    fay.ws.terminate();
    const restored = await raw(`fay&sid=${welcome.sid}`);
    const restoredWelcome = restored.frames.find((f) => typeof f === 'object' && f.type === 'welcome') as { restored?: boolean; restored_ids?: string[] };
    assert.equal(restoredWelcome.restored, true);
    assert.deepEqual(restoredWelcome.restored_ids, [id]);
    // What @anycable/web sends for each restored subscription it had joined.
    restored.send({ command: 'join', identifier: id, presence: { id: 'fay' } });
    await sleep(TTL_S * 1000 + 1500);
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'fay' }], 'the restored session holds the id: no leave after the old one expired');
  });

  test('the RPC app joins and leaves for the client (Command answer presence, anycable conformance perform_test)', async () => {
    const id = '{"channel":"Room","stream":"rpc"}';
    const watcher = await subscribed('2023', id);
    const actor = await subscribed('2024', id);
    actor.perform(id, { action: 'follow', name: 'Vova' });
    await waitFor(() => presenceEvents(watcher, id).length >= 1 && presenceEvents(actor, id).length >= 1, 'join on both');
    assert.deepEqual(presenceEvents(watcher, id)[0], { type: 'join', id: '2024', info: { name: 'Vova' } });
    assert.deepEqual(presenceEvents(actor, id)[0], { type: 'join', id: '2024', info: { name: 'Vova' } });
    actor.perform(id, { action: 'unfollow' });
    await waitFor(() => presenceEvents(watcher, id).length >= 2, 'leave');
    assert.deepEqual(presenceEvents(watcher, id)[1], { type: 'leave', id: '2024' });
    const frame = watcher.frames.find((f) => typeof f === 'object' && f.type === 'presence');
    assert.deepEqual(Object.keys(frame as object), ['type', 'identifier', 'message'], 'anycable-go frame shape');
  });

  test('bad input is refused and the session goes on', async () => {
    const id = '{"channel":"Room","stream":"bad"}';
    const plain = '{"channel":"Plain"}';
    const watcher = await subscribed('watcher', id);
    const client = await subscribed('mallory', id);
    client.subscribe(plain);
    await client.waitForConfirm(plain);
    client.send({ command: 'join', identifier: id, presence: { info: { name: 'no id' } } });
    client.send({ command: 'join', identifier: id, presence: { id: '' } });
    client.send({ command: 'join', identifier: id, presence: { id: 42 } });
    client.send({ command: 'join', identifier: id });
    client.send({ command: 'join', identifier: id, presence: { id: 'big', info: { blob: 'x'.repeat(300) } } });
    client.send({ command: 'join', identifier: '{"channel":"Room","stream":"elsewhere"}', presence: { id: 'ghost' } });
    client.send({ command: 'join', identifier: plain, presence: { id: 'plain' } });
    client.send({ command: 'leave', identifier: id });
    client.send({ command: 'presence', identifier: plain });
    client.send({ command: 'presence', identifier: '{"channel":"Room","stream":"elsewhere"}' });
    const errors = await waitFor(
      () => {
        const found = client.frames.filter((f) => typeof f === 'object' && f.type === 'presence' && (f.message as PresenceFrame).type === 'error');
        return found.length >= 2 ? found : null;
      },
      'two presence error frames',
    );
    assert.deepEqual(errors, [
      { type: 'presence', identifier: plain, message: { type: 'error' } },
      { type: 'presence', identifier: '{"channel":"Room","stream":"elsewhere"}', message: { type: 'error' } },
    ]);
    // The session goes on: a good join after all of that is announced, and none of the bad ones was.
    client.send({ command: 'join', identifier: id, presence: { id: 'mallory', info: { blob: 'x'.repeat(200) } } });
    await waitFor(() => presenceEvents(watcher, id).length >= 1, 'the good join');
    assert.deepEqual(presenceEvents(watcher, id), [{ type: 'join', id: 'mallory', info: { blob: 'x'.repeat(200) } }]);
    assert.equal(client.closeEvent, null);
    assert.match(gateway.process.output(), /presence info of \d+ bytes is over presence_max_info_size=256/);
    assert.match(gateway.process.output(), /join without a presence id/);
  });
});

describe('presence without a broker (broker=none, the default)', () => {
  let rpc: ScriptedRpcServer | undefined;
  let gateway: GatewayProcess | undefined;
  let client: RawCableClient | undefined;

  before(async () => {
    rpc = await ScriptedRpcServer.start(PRESENCE_SCRIPT);
    gateway = await startGateway({ ANYCABLE_RPC_HOST: rpc.address });
  });

  after(async () => {
    client?.ws.terminate();
    await gateway?.stop();
    await rpc?.stop();
  });

  test('presence is refused as anycable-go does: joins ignored, the set answered with an error frame', async () => {
    const id = '{"channel":"Room","stream":"none"}';
    client = await RawCableClient.welcomed(`${gateway!.url()}?user=u`, { protocols: EXT });
    client.subscribe(id);
    await client.waitForConfirm(id);
    client.send({ command: 'join', identifier: id, presence: { id: 'u' } });
    client.send({ command: 'presence', identifier: id });
    const frame = await client.waitForFrame((f) => typeof f === 'object' && f.type === 'presence', 'presence answer');
    assert.deepEqual(frame, { type: 'presence', identifier: id, message: { type: 'error' } });
    assert.equal(presenceEvents(client, id).length, 0);
    assert.match(gateway!.process.output(), /presence needs a broker/);
    const rest = await fetch(`http://127.0.0.1:${gateway!.port}/presence/none`);
    assert.equal(rest.status, 501, 'the REST endpoint says presence needs a broker');
  });
});

describe('presence webhooks (presence_webhook_url)', () => {
  const SECRET = 'webhook-secret';
  let rpc: ScriptedRpcServer | undefined;
  let gateway: GatewayProcess | undefined;
  let receiver: Server | undefined;
  const received: Array<{ body: string; signature: string }> = [];
  let failFirst = 1;
  const clients: RawCableClient[] = [];

  before(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (failFirst > 0) {
          failFirst--;
          response.statusCode = 503;
          response.end();
          return;
        }
        received.push({ body: Buffer.concat(chunks).toString(), signature: String(request.headers['x-anycable-signature']) });
        response.statusCode = 204;
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver!.listen(0, '127.0.0.1', resolve));
    const port = (receiver.address() as AddressInfo).port;
    rpc = await ScriptedRpcServer.start(PRESENCE_SCRIPT);
    gateway = await startGateway({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_BROKER: 'memory',
      ANYCABLE_SECRET: SECRET,
      ANYCABLE_PRESENCE_WEBHOOK_URL: `http://127.0.0.1:${port}/hooks/presence`,
      ANYCABLE_METRICS_HTTP: '/metrics',
    });
  });

  after(async () => {
    for (const client of clients) client.ws.terminate();
    await gateway?.stop();
    await rpc?.stop();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  test('join and leave are POSTed once each, signed with the secret; a 503 is retried', async () => {
    const id = '{"channel":"Room","stream":"hooked"}';
    const client = await RawCableClient.welcomed(`${gateway!.url()}?user=h`, { protocols: EXT });
    clients.push(client);
    client.subscribe(id);
    await client.waitForConfirm(id);
    client.send({ command: 'join', identifier: id, presence: { id: 'hank', info: { name: 'Hank' } } });
    client.send({ command: 'leave', identifier: id });
    await waitFor(() => received.length >= 2, 'two webhooks');
    const bodies = received.map(({ body }) => JSON.parse(body) as Record<string, unknown>);
    assert.deepEqual(
      bodies.map(({ at: _at, ...rest }) => rest),
      [
        { type: 'join', id: 'hank', info: { name: 'Hank' }, stream: 'hooked' },
        { type: 'leave', id: 'hank', stream: 'hooked' },
      ],
    );
    for (const { body, signature } of received) assert.equal(signature, `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
    assert.equal(failFirst, 0, 'the first attempt got 503 and was retried');
    const metrics = await (await fetch(`http://127.0.0.1:${gateway!.port}/metrics`)).text();
    assert.match(metrics, /presence_webhooks_sent_total 2/);
  });
});
