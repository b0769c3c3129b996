/**
 * RPC over HTTP (anycable-go's `rpc_impl=http`): the gateway as the client, this repository's RPC app
 * as the server (ANYCABLE_HTTP_RPC_MOUNT_PATH on its own HTTP server), the secret derived from a
 * shared ANYCABLE_SECRET on both sides, real @rails/actioncable clients and a raw ws client.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import jsonwebtoken from 'jsonwebtoken';
import { createRailsConsumer, railsSubscribe, RawCableClient, type RailsConsumer } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { startApp, type RunningProcess } from '../support/processes.js';
import { startRedis, type TestService } from '../support/services.js';

const JWT_SECRET = 'http-rpc-jwt';
const APP_SECRET = 'http-rpc-app-secret';
const tokenFor = (sub: string): string => jsonwebtoken.sign({ sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 });

describe('gateway → RPC app over HTTP RPC (rpc_host=http://…/_anycable)', () => {
  let redis: TestService;
  let rpcApp: RunningProcess;
  let rpcUrl: string;
  let gateway: GatewayProcess;
  const closers: Array<() => unknown> = [];

  before(async () => {
    redis = await startRedis();
    const httpPort = await freePort();
    rpcApp = startApp('rpc', {
      ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}`,
      RPC_HTTP_PORT: String(httpPort),
      ANYCABLE_HTTP_RPC_MOUNT_PATH: '/_anycable',
      ANYCABLE_SECRET: APP_SECRET,
      ANYCABLE_LOG_LEVEL: 'debug',
      JWT_SECRET,
      ANYCABLE_REDIS_URL: redis.url,
      ANYCABLE_BROADCAST_ADAPTER: 'redis',
    });
    await rpcApp.waitForOutput(/HTTP server listening on .*RPC over HTTP at \/_anycable/, 20_000);
    rpcUrl = `http://127.0.0.1:${httpPort}/_anycable`;
    gateway = await startGateway({ ANYCABLE_RPC_HOST: rpcUrl, ANYCABLE_SECRET: APP_SECRET, ANYCABLE_REDIS_URL: redis.url });
  });

  after(async () => {
    for (const close of closers) close();
    await gateway?.stop();
    await rpcApp?.stop();
    await redis?.stop();
  });

  const consumer = (query = ''): RailsConsumer => {
    const created = createRailsConsumer(`${gateway.url()}${query}`);
    closers.push(() => created.disconnect());
    return created;
  };

  test('connect, subscribe (confirmed and rejected), perform, and Disconnect with the subscription state', async () => {
    const alice = consumer(`?jwt_token=${tokenFor('alice')}`);
    const actuator = railsSubscribe(alice, { channel: 'actuator', id: 'h1' });
    const invalid = railsSubscribe(alice, { channel: 'comments' });
    await actuator.waitForEvent('connected');
    await invalid.waitForEvent('rejected');
    actuator.subscription.perform('speak', { message: 'over http' });
    const [spoken] = await actuator.waitForMessages(1);
    assert.equal((spoken as { user: string }).user, 'alice');
    assert.equal((spoken as { message: string }).message, 'over http');
    alice.disconnect();
    // Disconnect reached the app over HTTP with the istate kept by the gateway (spoken=1 after speak).
    await rpcApp.waitForOutput(/unsubscribed sid=\S+ channel=actuator id=h1 spoken=1/, 10_000);
  });

  test('an anonymous connection is refused by the app for the actuator (FAILURE answers travel too)', async () => {
    const anonymous = await RawCableClient.welcomed(gateway.url());
    closers.push(() => anonymous.close());
    const identifier = JSON.stringify({ channel: 'actuator', id: 'h2' });
    anonymous.subscribe(identifier);
    await anonymous.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'reject_subscription' && frame.identifier === identifier, 'reject_subscription');
  });

  test('a gateway with the wrong http_rpc_secret gets 401: the client is closed (1011) without welcome, the app ran nothing', async () => {
    const wrong = await startGateway({ ANYCABLE_RPC_HOST: rpcUrl, ANYCABLE_HTTP_RPC_SECRET: 'not-the-secret' });
    try {
      const client = await RawCableClient.connect(wrong.url());
      const closed = await client.closed;
      assert.equal(closed.code, 1011);
      assert.deepEqual(client.frames.filter((frame) => typeof frame === 'object' && frame.type === 'welcome'), []);
      await wrong.process.waitForOutput(/Connect failed.*401/, 5_000);
    } finally {
      await wrong.stop();
    }
  });

  test('the endpoint itself: 401 without the secret, 400 for a body that is not an object, 404 for another method', async () => {
    const post = (path: string, body: string, authorization?: string) =>
      fetch(`${rpcUrl}/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) }, body });
    assert.equal((await post('connect', '{}')).status, 401);
    const { createHmac } = await import('node:crypto');
    const bearer = `Bearer ${createHmac('sha256', APP_SECRET).update('rpc-cable').digest('hex')}`;
    assert.equal((await post('connect', '[1]', bearer)).status, 400);
    assert.equal((await post('subscribe', '{}', bearer)).status, 404);
    // A well-formed call without protov v1 is answered, with ERROR, as over gRPC.
    const answer = (await (await post('connect', JSON.stringify({ env: { url: 'http://x/cable' } }), bearer)).json()) as { status: number; error_msg: string };
    assert.deepEqual(answer.status, 0);
    assert.match(answer.error_msg, /Incompatible AnyCable RPC client/);
  });
});
