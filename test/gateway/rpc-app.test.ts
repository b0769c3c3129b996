/**
 * The gateway in front of this repository's RPC app (apps/rpc, started like `npm run start:rpc`),
 * with Redis between the app's BroadcastService and the gateway, and the real JS clients.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import jsonwebtoken from 'jsonwebtoken';
import { Redis } from 'ioredis';
import { encodeBroadcast, DEFAULT_BROADCAST_CHANNEL } from '#libs/protocol';
import { createAnyCable, createRailsConsumer, railsSubscribe, RawCableClient, type AnyCable, type RailsConsumer } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort, waitFor } from '../support/ports.js';
import { startApp, type RunningProcess } from '../support/processes.js';
import { startRedis, type TestService } from '../support/services.js';

const JWT_SECRET = 'gateway-e2e-secret';
const tokenFor = (sub: string, secret = JWT_SECRET): string => jsonwebtoken.sign({ sub }, secret, { algorithm: 'HS256', expiresIn: 300 });

describe('gateway + the RPC app of this repository + Redis', () => {
  let redis: TestService;
  let publisher: Redis;
  let rpcApp: RunningProcess;
  let rpcAddress: string;
  let gateway: GatewayProcess;
  const closers: Array<() => unknown> = [];

  const startRpcApp = async (): Promise<RunningProcess> => {
    const app = startApp('rpc', { ANYCABLE_RPC_HOST: rpcAddress, JWT_SECRET, ANYCABLE_REDIS_URL: redis.url, ANYCABLE_BROADCAST_ADAPTER: 'redis' });
    await app.waitForOutput(/RPC server listening on/, 20_000);
    return app;
  };

  before(async () => {
    redis = await startRedis();
    publisher = new Redis(redis.url);
    rpcAddress = `127.0.0.1:${await freePort()}`;
    rpcApp = await startRpcApp();
    gateway = await startGateway({ ANYCABLE_RPC_HOST: rpcAddress, ANYCABLE_REDIS_URL: redis.url, ANYCABLE_HEADERS: 'cookie,authorization' });
  });

  after(async () => {
    for (const close of closers) close();
    await gateway?.stop();
    await rpcApp?.stop();
    publisher?.disconnect();
    await redis?.stop();
  });

  const consumer = (query = '', headers?: Record<string, string>): RailsConsumer => {
    const created = createRailsConsumer(`${gateway.url()}${query}`, headers);
    closers.push(() => created.disconnect());
    return created;
  };
  const raw = async (url: string, headers?: Record<string, string>): Promise<RawCableClient> => {
    const client = await RawCableClient.connect(url, { headers });
    closers.push(() => client.close());
    return client;
  };

  test('anonymous welcome; comments confirmed with a post_id, rejected without; a Redis broadcast reaches it', async () => {
    const client = consumer();
    const comments = railsSubscribe(client, { channel: 'comments', post_id: 42 });
    const invalid = railsSubscribe(client, { channel: 'comments' });
    await comments.waitForEvent('connected');
    await invalid.waitForEvent('rejected');
    await publisher.publish(DEFAULT_BROADCAST_CHANNEL, encodeBroadcast({ stream: 'comments:post:42', data: JSON.stringify({ body: 'first!' }) }));
    assert.deepEqual(await comments.waitForMessages(1), [{ body: 'first!' }]);
  });

  test('perform speak: the app broadcasts through Redis, every subscriber gets it (actuator, JWT users)', async () => {
    const alice = consumer(`?jwt_token=${tokenFor('alice')}`);
    const bob = consumer(`?jwt_token=${tokenFor('bob')}`);
    const aliceSide = railsSubscribe(alice, { channel: 'actuator', id: 'a1' });
    const bobSide = railsSubscribe(bob, { channel: 'actuator', id: 'a1' });
    await aliceSide.waitForEvent('connected');
    await bobSide.waitForEvent('connected');
    aliceSide.subscription.perform('speak', { message: 'hello bob' });
    const [toBob] = await bobSide.waitForMessages(1);
    const [toAlice] = await aliceSide.waitForMessages(1);
    assert.deepEqual(toBob, toAlice);
    const message = toBob as { user: string; message: string; sid: string };
    assert.equal(message.user, 'alice');
    assert.equal(message.message, 'hello bob');
    assert.match(message.sid, /^[0-9a-f-]{36}$/, "the app's sid identifier is the gateway's session id");
  });

  test('@anycable/web (extended protocol) performs and receives through the real app', async () => {
    const cable: AnyCable = createAnyCable(`${gateway.url()}?jwt_token=${tokenFor('carol')}`, { protocol: 'actioncable-v1-ext-json' });
    closers.push(() => cable.disconnect());
    const channel = cable.subscribeTo('actuator', { id: 'a2' });
    await channel.ensureSubscribed();
    const received: unknown[] = [];
    channel.on('message', (message: unknown) => received.push(message));
    await channel.perform('speak', { message: 'via anycable-web' });
    await waitFor(() => received.length > 0, 'speak broadcast');
    assert.equal((received[0] as { user: string }).user, 'carol');
    assert.equal((received[0] as { sid: string }).sid, cable.sessionId, 'ext welcome sid is the session the app saw');
  });

  test('a bad JWT: unauthorized disconnect frame, then close 1000; the client does not come back', async () => {
    const client = await raw(`${gateway.url()}?jwt_token=${tokenFor('mallory', 'wrong-secret')}`);
    assert.equal((await client.closed).code, 1000);
    assert.deepEqual(client.frames, [{ type: 'disconnect', reason: 'unauthorized', reconnect: false }]);

    const refusals = (): number => (rpcApp.output().match(/unauthorized sid=/g) ?? []).length;
    const before = refusals();
    const rails = consumer(`?jwt_token=${tokenFor('mallory', 'wrong-secret')}&client=rails`);
    const refused = railsSubscribe(rails, { channel: 'comments', post_id: 1 });
    await refused.waitForEvent('disconnected');
    await sleep(1500);
    assert.ok(!refused.events.includes('connected'), 'never subscribed');
    assert.equal(refusals(), before + 1, '@rails/actioncable did not reconnect after reconnect:false');
  });

  test('headers and cookies as the app sees them: token cookie and Authorization are proxied when configured', async () => {
    const byCookie = await raw(gateway.url(), { cookie: `theme=dark; token=${tokenFor('dave')}` });
    await byCookie.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', 'welcome');
    byCookie.subscribe('{"channel":"actuator","id":"c1"}');
    await byCookie.waitForConfirm('{"channel":"actuator","id":"c1"}');

    const byHeader = await raw(gateway.url(), { authorization: `Bearer ${tokenFor('erin')}` });
    byHeader.subscribe('{"channel":"actuator","id":"c1"}');
    await byHeader.waitForConfirm('{"channel":"actuator","id":"c1"}');
    byHeader.perform('{"channel":"actuator","id":"c1"}', { action: 'speak', message: 'from erin' });
    const [heard] = await byCookie.waitForMessages('{"channel":"actuator","id":"c1"}', 1);
    assert.equal((heard as { user: string }).user, 'erin');

    // A gateway proxying only cookies (the default) hides Authorization: the app sees an anonymous
    // user, who may not use the actuator.
    const cookiesOnly = await startGateway({ ANYCABLE_RPC_HOST: rpcAddress, ANYCABLE_REDIS_URL: redis.url });
    closers.push(() => cookiesOnly.stop());
    const anonymous = await raw(cookiesOnly.url(), { authorization: `Bearer ${tokenFor('erin')}` });
    anonymous.subscribe('{"channel":"actuator","id":"c1"}');
    await anonymous.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'reject_subscription', 'reject for anonymous');
  });

  test('the RPC app restarted mid-session: the session survives and speaks again', async () => {
    const client = await raw(`${gateway.url()}?jwt_token=${tokenFor('frank')}`);
    const id = '{"channel":"actuator","id":"r1"}';
    client.subscribe(id);
    await client.waitForConfirm(id);
    assert.equal(await rpcApp.stop('SIGTERM'), 0);
    rpcApp = await startRpcApp();
    client.perform(id, { action: 'speak', message: 'after restart' });
    const [message] = await client.waitForMessages(id, 1, 15_000);
    assert.equal((message as { message: string }).message, 'after restart');
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });
});
