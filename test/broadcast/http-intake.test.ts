// The HTTP intake on its own: the embedded default (no Redis, `npm start`), the key check, the status
// codes, the body bound, a separate http_broadcast_port, and malformed publications counted.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveBroadcastKey } from '#libs/protocol';
import type { GatewayProcess } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { ClientPool, NO_INHERITED_SERVERS, createPublisher, identifierOf, startGateways, waitForMessages } from './broadcast-cluster.js';

const SECRET = 'http-intake-secret';

function post(url: string, body: string, headers: Record<string, string> = {}, method = 'POST'): Promise<Response> {
  return fetch(url, { method, body: method === 'GET' ? undefined : body, headers: { 'content-type': 'application/json', ...headers } });
}

describe('the HTTP broadcast intake', () => {
  let rpc: ScriptedRpcServer;
  let embedded: GatewayProcess;
  let secured: GatewayProcess;
  let separatePort: number;
  const pool = new ClientPool();

  before(async () => {
    rpc = await ScriptedRpcServer.start();
    separatePort = await freePort();
    // The embedded default: nothing about broadcasting configured at all.
    [[embedded], [secured]] = await Promise.all([
      startGateways(1, { ...NO_INHERITED_SERVERS, ANYCABLE_RPC_HOST: rpc.address }),
      startGateways(1, {
        ...NO_INHERITED_SERVERS,
        ANYCABLE_RPC_HOST: rpc.address,
        ANYCABLE_SECRET: SECRET,
        ANYCABLE_HTTP_BROADCAST_MAX_BODY_SIZE: '2048',
        ANYCABLE_METRICS_HTTP: '/metrics',
      }),
    ]);
  });

  after(async () => {
    pool.closeAll();
    await Promise.all([embedded?.stop(), secured?.stop()]);
    await rpc?.stop();
  });

  test('with nothing configured, POST /_broadcast on the main port delivers (no key, a warning says so)', async () => {
    assert.match(embedded.process.output(), /Accept broadcast requests at POST \/_broadcast on the main server.*no authorization/);
    const [client] = await pool.subscribed([embedded], 'embedded:1');
    const response = await post(`http://127.0.0.1:${embedded.port}/_broadcast`, JSON.stringify({ stream: 'embedded:1', data: '{"hello":"world"}' }));
    assert.equal(response.status, 201);
    assert.deepEqual(await waitForMessages([client], 'embedded:1', 1), [[{ hello: 'world' }]]);
    // What the RPC app does by default: BroadcastService with no Redis configured posts here.
    const publisher = createPublisher({ httpUrl: `http://127.0.0.1:${embedded.port}/_broadcast` }, {});
    try {
      await publisher.broadcast('embedded:1', { from: 'BroadcastService' });
    } finally {
      await publisher.onModuleDestroy();
    }
    await waitForMessages([client], 'embedded:1', 2);
  });

  test('a key derived from secret is required: 401 without it or with another, 201 with it', async () => {
    const url = `http://127.0.0.1:${secured.port}/_broadcast`;
    const [client] = await pool.subscribed([secured], 'secured:1');
    const body = JSON.stringify({ stream: 'secured:1', data: '"ok"' });
    assert.equal((await post(url, body)).status, 401);
    assert.equal((await post(url, body, { authorization: 'Bearer wrong' })).status, 401);
    assert.equal((await post(url, body, { authorization: `Bearer ${deriveBroadcastKey('another secret')}` })).status, 401);
    assert.equal((await post(url, body, { authorization: deriveBroadcastKey(SECRET) })).status, 401, 'the Bearer scheme is required');
    assert.equal((await post(url, body, { authorization: `Bearer ${deriveBroadcastKey(SECRET)}` })).status, 201);
    assert.deepEqual(await waitForMessages([client], 'secured:1', 1), [['ok']], 'only the authorized one was delivered');
  });

  test('422 for another method or a body that does not decode, 413 over the size bound; the gateway goes on', async () => {
    const url = `http://127.0.0.1:${secured.port}/_broadcast`;
    const auth = { authorization: `Bearer ${deriveBroadcastKey(SECRET)}` };
    assert.equal((await post(url, '', auth, 'GET')).status, 422);
    assert.equal((await post(url, '{}', auth, 'PUT')).status, 422);
    for (const [body, reason] of [
      ['not json', /not JSON/],
      ['{"stream":"s"}', /"data" must be a string/],
      ['[{"stream":"s","data":"1"},{"data":"2"}]', /item 1: "stream" must be a non-empty string/],
      ['{"command":"explode","payload":{}}', /unknown remote command/],
    ] as const) {
      const response = await post(url, body, auth);
      assert.equal(response.status, 422, body);
      assert.match(await response.text(), reason);
    }
    const tooLarge = await post(url, JSON.stringify({ stream: 's', data: 'x'.repeat(4096) }), auth);
    assert.equal(tooLarge.status, 413);
    assert.match(await tooLarge.text(), /http_broadcast_max_body_size \(2048 bytes\)/);

    const metrics = await (await fetch(`http://127.0.0.1:${secured.port}/metrics`)).text();
    assert.match(metrics, /anycable_go_broadcast_refused_total 4\b/, 'the four malformed bodies are counted');
    assert.match(secured.process.output(), /malformed broadcast ignored/);
    assert.equal(secured.process.child.exitCode, null, 'still running');
    const [client] = await pool.subscribed([secured], 'after-bad:1');
    assert.equal((await post(url, JSON.stringify([{ stream: 'after-bad:1', data: '1' }, { stream: 'after-bad:1', data: '2' }]), auth)).status, 201);
    assert.deepEqual(await waitForMessages([client], 'after-bad:1', 2), [[1, 2]], 'a batch, in order');
  });

  test('http_broadcast_port runs a separate server; the main port then has no broadcast path', async () => {
    const [gateway] = await startGateways(1, { ...NO_INHERITED_SERVERS, ANYCABLE_RPC_HOST: rpc.address, ANYCABLE_HTTP_BROADCAST_PORT: String(separatePort), ANYCABLE_HTTP_BROADCAST_PATH: '/pub' });
    try {
      assert.match(gateway.process.output(), new RegExp(`Accept broadcast requests at POST /pub on 127\\.0\\.0\\.1:${separatePort}`));
      const [client] = await pool.subscribed([gateway], 'separate:1');
      const body = JSON.stringify({ stream: 'separate:1', data: '"via the separate port"' });
      assert.equal((await post(`http://127.0.0.1:${gateway.port}/pub`, body)).status, 404);
      assert.equal((await post(`http://127.0.0.1:${separatePort}/_broadcast`, body)).status, 404);
      assert.equal((await post(`http://127.0.0.1:${separatePort}/pub`, body)).status, 201);
      assert.deepEqual(await client.waitForMessages(identifierOf('separate:1'), 1), ['via the separate port']);
    } finally {
      await gateway.stop();
    }
  });
});
