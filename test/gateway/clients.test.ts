import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { encodeBroadcast, DEFAULT_BROADCAST_CHANNEL, type BroadcastMessage } from '#libs/protocol';
import { createAnyCable, createRailsConsumer, railsSubscribe, RawCableClient, type AnyCable, type RailsConsumer } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { startRedis, type TestService } from '../support/services.js';

describe('real JS clients through the gateway, broadcasts over Redis', () => {
  let redis: TestService;
  let publisher: Redis;
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const consumers: RailsConsumer[] = [];
  const cables: AnyCable[] = [];
  const raws: RawCableClient[] = [];
  const publish = (message: BroadcastMessage | BroadcastMessage[] | string): Promise<number> =>
    publisher.publish(DEFAULT_BROADCAST_CHANNEL, typeof message === 'string' ? message : encodeBroadcast(message));
  const consumer = (query = ''): RailsConsumer => {
    const created = createRailsConsumer(`${gateway.url()}${query}`);
    consumers.push(created);
    return created;
  };
  const raw = async (query = ''): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(`${gateway.url()}${query}`);
    raws.push(client);
    return client;
  };

  before(async () => {
    redis = await startRedis();
    publisher = new Redis(redis.url);
    rpc = await ScriptedRpcServer.start();
    gateway = await startGateway({ ANYCABLE_RPC_HOST: rpc.address, ANYCABLE_REDIS_URL: redis.url });
  });

  after(async () => {
    for (const created of consumers) created.disconnect();
    for (const cable of cables) cable.disconnect();
    for (const client of raws) client.close();
    await gateway?.stop();
    await rpc?.stop();
    publisher?.disconnect();
    await redis?.stop();
  });

  test('@rails/actioncable: connect, subscribe, perform, receive a Redis broadcast', async () => {
    const chat = railsSubscribe(consumer(), { channel: 'ChatChannel', stream: 'chat:1' });
    await chat.waitForEvent('connected');
    chat.subscription.perform('speak', { text: 'hello' });
    await chat.waitForMessages(1);
    assert.deepEqual(chat.received[0], { echo: { text: 'hello', action: 'speak' } });
    await publish({ stream: 'chat:1', data: JSON.stringify({ text: 'from redis' }) });
    await chat.waitForMessages(2);
    assert.deepEqual(chat.received[1], { text: 'from redis' });
  });

  test('@rails/actioncable: a rejected subscription is reported as rejected', async () => {
    const forbidden = railsSubscribe(consumer(), { channel: 'Forbidden' });
    await forbidden.waitForEvent('rejected');
    assert.ok(!forbidden.events.includes('connected'));
  });

  test('two clients on one stream both receive, in publication order; non-JSON data arrives as a string', async () => {
    const first = railsSubscribe(consumer(), { channel: 'Room', stream: 'room:7' });
    const second = railsSubscribe(consumer(), { channel: 'Room', stream: 'room:7' });
    await first.waitForEvent('connected');
    await second.waitForEvent('connected');
    for (let n = 1; n <= 20; n++) await publish({ stream: 'room:7', data: JSON.stringify({ n }) });
    await publish({ stream: 'room:7', data: 'plain <text>' });
    const expected = [...Array.from({ length: 20 }, (_, i) => ({ n: i + 1 })), 'plain <text>'];
    assert.deepEqual(await first.waitForMessages(21), expected);
    assert.deepEqual(await second.waitForMessages(21), expected);
  });

  test('one client on two identifiers of the same stream gets each broadcast once per identifier', async () => {
    const client = await raw();
    const a = '{"channel":"Room","stream":"room:2","tab":1}';
    const b = '{"channel":"Room","stream":"room:2","tab":2}';
    client.subscribe(a);
    client.subscribe(b);
    await client.waitForConfirm(a);
    await client.waitForConfirm(b);
    await publish([
      { stream: 'room:2', data: '{"x":1}' },
      { stream: 'room:2', data: '{"x":2}' },
    ]);
    assert.deepEqual(await client.waitForMessages(a, 2), [{ x: 1 }, { x: 2 }]);
    assert.deepEqual(await client.waitForMessages(b, 2), [{ x: 1 }, { x: 2 }]);
    await sleep(200);
    assert.equal(client.messagesFor(a).length + client.messagesFor(b).length, 4, 'nothing duplicated');
  });

  test('unsubscribe stops delivery', async () => {
    const shared = consumer();
    const leaving = railsSubscribe(shared, { channel: 'News', stream: 'news' });
    const staying = railsSubscribe(consumer(), { channel: 'News', stream: 'news' });
    await leaving.waitForEvent('connected');
    await staying.waitForEvent('connected');
    await publish({ stream: 'news', data: '"one"' });
    await leaving.waitForMessages(1);
    leaving.subscription.unsubscribe();
    await rpc.waitForCalls('Command', 1, 5000, (call) => (call.request as { command: string; identifier: string }).command === 'unsubscribe' && (call.request as { identifier: string }).identifier.includes('News'));
    await publish({ stream: 'news', data: '"two"' });
    assert.deepEqual(await staying.waitForMessages(2), ['one', 'two']);
    await sleep(200);
    assert.deepEqual(leaving.received, ['one']);
  });

  test('@anycable/web on the plain and the extended protocol: subscribe, perform, receive', async () => {
    for (const protocol of ['actioncable-v1-json', 'actioncable-v1-ext-json'] as const) {
      const cable = createAnyCable(gateway.url(), { protocol });
      cables.push(cable);
      const channel = cable.subscribeTo('ChatChannel', { stream: `any:${protocol}` });
      await channel.ensureSubscribed();
      const received: unknown[] = [];
      channel.on('message', (message: unknown) => received.push(message));
      await channel.perform('speak', { text: protocol });
      await waitFor(() => received.length >= 1, `echo on ${protocol}`);
      await publish({ stream: `any:${protocol}`, data: JSON.stringify({ via: 'redis' }) });
      await waitFor(() => received.length >= 2, `broadcast on ${protocol}`);
      assert.deepEqual(received, [{ echo: { text: protocol, action: 'speak' } }, { via: 'redis' }]);
      if (protocol === 'actioncable-v1-ext-json') assert.ok(cable.sessionId, 'the ext welcome gave the client its sid');
    }
  });

  test('exclude_socket skips that session only', async () => {
    const sender = await raw('?user=sender');
    const other = await raw('?user=other');
    const id = '{"channel":"Room","stream":"room:x"}';
    sender.subscribe(id);
    other.subscribe(id);
    await sender.waitForConfirm(id);
    await other.waitForConfirm(id);
    const senderSid = rpc.callsOf<{ env: { url: string } }>('Connect').find((call) => call.request.env.url.includes('user=sender'))!.metadata.sid;
    await publish({ stream: 'room:x', data: '{"m":1}', meta: { exclude_socket: senderSid } });
    await publish({ stream: 'room:x', data: '{"m":2}' });
    assert.deepEqual(await other.waitForMessages(id, 2), [{ m: 1 }, { m: 2 }]);
    assert.deepEqual(await sender.waitForMessages(id, 1), [{ m: 2 }]);
  });

  test('remote disconnect closes every session of those identifiers with a remote frame', async () => {
    const victims = [await raw('?user=victim'), await raw('?user=victim')];
    const bystander = await raw('?user=bystander');
    await publish({ command: 'disconnect', payload: { identifier: '{"user":"victim"}', reconnect: false } });
    for (const victim of victims) {
      assert.equal((await victim.closed).code, 1000);
      assert.deepEqual(victim.messages.at(-1), { type: 'disconnect', reason: 'remote', reconnect: false });
    }
    assert.equal(bystander.ws.readyState, bystander.ws.OPEN);
  });

  test('malformed publications are counted and ignored; the next good one is delivered', async () => {
    const client = await raw();
    const id = '{"channel":"Room","stream":"after-bad"}';
    client.subscribe(id);
    await client.waitForConfirm(id);
    for (const bad of ['not json', '[1,2]', '{"stream":5,"data":"x"}', '{"stream":"after-bad"}', '{"command":"explode"}']) await publish(bad);
    await publish({ stream: 'after-bad', data: '"good"' });
    assert.deepEqual(await client.waitForMessages(id, 1), ['good']);
    await waitFor(() => /malformed broadcast ignored/.test(gateway.process.output()), 'the refusals are logged');
    assert.equal(gateway.process.child.exitCode, null);
  });
});
