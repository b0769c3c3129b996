/**
 * Presence driven by a channel of this repository's RPC app (apps/rpc, the demo's `actuator`
 * channel joins every subscriber with `ctx.presence.join`), read by @anycable/web clients, by the
 * gateway's REST endpoint `GET /presence/<stream>` and by libs' PresenceService.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jsonwebtoken from 'jsonwebtoken';
import { BroadcastError, PresenceService, resolveBroadcasterOptions } from '#libs/broadcaster';
import { createAnyCable, type AnyCable } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort, waitFor } from '../support/ports.js';
import { watchPresence } from '../support/presence-clients.js';
import { startApp, type RunningProcess } from '../support/processes.js';

const JWT_SECRET = 'presence-e2e-secret';
const KEY = 'presence-key';
const tokenFor = (sub: string): string => jsonwebtoken.sign({ sub }, JWT_SECRET, { algorithm: 'HS256', expiresIn: 300 });

describe('presence from the RPC app\'s actuator channel, and read over HTTP', () => {
  let rpcApp: RunningProcess;
  let gateway: GatewayProcess;
  const cables: AnyCable[] = [];
  const cable = (user: string): AnyCable => {
    const created = createAnyCable(`${gateway.url()}?jwt_token=${tokenFor(user)}`, { protocol: 'actioncable-v1-ext-json' });
    cables.push(created);
    return created;
  };
  const presenceUrl = (stream: string): string => `http://127.0.0.1:${gateway.port}/presence/${encodeURIComponent(stream)}`;
  const get = async (path: string, key?: string, method = 'GET'): Promise<{ status: number; body: Record<string, unknown> }> => {
    const response = await fetch(path, { method, headers: key ? { authorization: `Bearer ${key}` } : {} });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  before(async () => {
    const rpcAddress = `127.0.0.1:${await freePort()}`;
    rpcApp = startApp('rpc', { ANYCABLE_RPC_HOST: rpcAddress, JWT_SECRET, ANYCABLE_BROADCAST_ADAPTER: 'http', RPC_HTTP_PORT: String(await freePort()) });
    await rpcApp.waitForOutput(/RPC server listening on/, 30_000);
    gateway = await startGateway({ ANYCABLE_RPC_HOST: rpcAddress, ANYCABLE_BROKER: 'memory', ANYCABLE_BROADCAST_KEY: KEY, ANYCABLE_PRESENCE_TTL: '2' });
  });

  after(async () => {
    for (const created of cables) created.disconnect();
    await gateway?.stop();
    await rpcApp?.stop();
  });

  test('subscribers join by the channel (no client call): each client sees the later joins and the set; unsubscribe leaves', async () => {
    const alice = cable('alice');
    const bob = cable('bob');
    const aliceActuator = alice.subscribeTo('actuator', { id: 'p1' });
    const aliceSeen = watchPresence(aliceActuator);
    await aliceActuator.ensureSubscribed();
    // A client's own join follows its confirmation at once: @anycable/web 1.1.7 drops typed frames that
    // arrive before it mapped the subscription, so a client asks the set rather than count on that event.
    await waitFor(async () => (await get(presenceUrl('actuator_p1'), KEY)).status === 200, 'alice in the set');
    const bobActuator = bob.subscribeTo('actuator', { id: 'p1' });
    await bobActuator.ensureSubscribed();
    await waitFor(() => aliceSeen.some((event) => event.id === 'bob'), 'join of bob seen by alice');
    assert.deepEqual(
      aliceSeen.filter((event) => event.id === 'bob'),
      [{ type: 'join', id: 'bob', info: { name: 'bob' } }],
    );
    assert.deepEqual(await bobActuator.presence.info(), { alice: { name: 'alice' }, bob: { name: 'bob' } });

    const rest = await get(presenceUrl('actuator_p1'), KEY);
    assert.equal(rest.status, 200);
    assert.deepEqual(rest.body, { type: 'info', total: 2, records: [{ id: 'alice', info: { name: 'alice' } }, { id: 'bob', info: { name: 'bob' } }] });

    await bobActuator.disconnect();
    await waitFor(() => aliceSeen.some((event) => event.type === 'leave'), 'leave of bob when his subscription ends');
    assert.deepEqual(aliceSeen.at(-1), { type: 'leave', id: 'bob' });
  });

  test('GET /presence/<stream>: bad key 401, unknown stream 404, no stream 400, not GET 405', async () => {
    assert.equal((await get(presenceUrl('actuator_p1'))).status, 401, 'no key');
    const bad = await get(presenceUrl('actuator_p1'), 'wrong');
    assert.equal(bad.status, 401);
    assert.equal(bad.body.error, 'bad or missing broadcast key');
    const unknown = await get(presenceUrl('actuator_nobody'), KEY);
    assert.equal(unknown.status, 404);
    assert.match(String(unknown.body.error), /nobody is present in stream "actuator_nobody"/);
    assert.equal((await get(`http://127.0.0.1:${gateway.port}/presence/`, KEY)).status, 400);
    assert.equal((await get(`http://127.0.0.1:${gateway.port}/presence/%E0%A4%A`, KEY)).status, 400);
    assert.equal((await get(presenceUrl('actuator_p1'), KEY, 'POST')).status, 405);
  });

  test('PresenceService (libs) reads the set; an unknown stream is empty; a bad key rejects naming the answer', async () => {
    const carol = cable('carol');
    const channel = carol.subscribeTo('actuator', { id: 'p2' });
    await channel.ensureSubscribed();
    const origin = `http://127.0.0.1:${gateway.port}`;
    const service = new PresenceService(resolveBroadcasterOptions({ httpUrl: `${origin}/_broadcast`, broadcastKey: KEY }, {}));
    await waitFor(async () => (await service.info('actuator_p2')).total === 1, 'carol joined');
    assert.deepEqual(await service.info<{ name: string }>('actuator_p2'), { total: 1, records: [{ id: 'carol', info: { name: 'carol' } }] });
    assert.deepEqual(await service.info('actuator_nobody'), { total: 0, records: [] });
    const intruder = new PresenceService(resolveBroadcasterOptions({ httpUrl: `${origin}/_broadcast`, broadcastKey: 'wrong' }, {}));
    await assert.rejects(intruder.info('actuator_p2'), (error: unknown) => error instanceof BroadcastError && /answered 401 bad or missing broadcast key/.test(error.message));
  });
});
