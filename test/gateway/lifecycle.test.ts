import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import jsonwebtoken from 'jsonwebtoken';
import { Status } from '#libs/protocol';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { portOpen, waitFor } from '../support/ports.js';
import { startProcess } from '../support/processes.js';
import { DEFAULT_SCRIPT, ScriptedRpcServer } from '../support/scripted-rpc-server.js';

describe('gateway lifecycle, configuration and access rules', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const rpcServer = async (script: Parameters<typeof ScriptedRpcServer.start>[0] = {}): Promise<ScriptedRpcServer> => {
    const server = await ScriptedRpcServer.start(script);
    cleanups.push(() => server.stop());
    return server;
  };
  const gatewayFor = async (rpc: ScriptedRpcServer, env: Record<string, string> = {}): Promise<GatewayProcess> => {
    const gateway = await startGateway({ ANYCABLE_RPC_HOST: rpc.address, ...env });
    cleanups.push(() => gateway.stop('SIGKILL'));
    return gateway;
  };
  const welcomed = async (url: string, options?: Parameters<typeof RawCableClient.welcomed>[1]): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(url, options);
    cleanups.push(() => client.close());
    return client;
  };

  test('SIGTERM: server_restart frame, close 1001, pending Disconnect calls flushed, exit 0', async () => {
    const rpc = await rpcServer({ disconnect: () => sleep(100).then(() => ({ status: Status.SUCCESS })) });
    // disconnect_rate=1 would take 4 s for 4 calls: the shutdown flush is not rate-limited.
    const gateway = await gatewayFor(rpc, { ANYCABLE_DISCONNECT_RATE: '1', ANYCABLE_SHUTDOWN_TIMEOUT: '10' });
    const clients = await Promise.all(Array.from({ length: 4 }, (_, i) => welcomed(`${gateway.url()}?user=u${i}`)));
    for (const client of clients) client.subscribe('{"channel":"Chat","stream":"bye"}');
    await Promise.all(clients.map((client) => client.waitForConfirm('{"channel":"Chat","stream":"bye"}')));

    const exitCode = gateway.stop('SIGTERM');
    for (const client of clients) {
      assert.equal((await client.closed).code, 1001);
      assert.deepEqual(client.messages.at(-1), { type: 'disconnect', reason: 'server_restart', reconnect: true });
    }
    assert.equal(await exitCode, 0);
    const disconnects = rpc.callsOf<{ identifiers: string; subscriptions: string[] }>('Disconnect');
    assert.deepEqual(disconnects.map((call) => call.request.identifiers).sort(), ['{"user":"u0"}', '{"user":"u1"}', '{"user":"u2"}', '{"user":"u3"}']);
    assert.ok(disconnects.every((call) => call.request.subscriptions[0] === '{"channel":"Chat","stream":"bye"}'));
    assert.equal(await portOpen(gateway.port), false, 'no longer listening');
    assert.match(gateway.process.output(), /Gateway stopped/);
  });

  test('SIGINT with Disconnect calls hanging: exit 0 once shutdown_timeout passes', async () => {
    const rpc = await rpcServer({ disconnect: () => sleep(20_000).then(() => ({ status: Status.SUCCESS })) });
    const gateway = await gatewayFor(rpc, { ANYCABLE_SHUTDOWN_TIMEOUT: '1', ANYCABLE_RPC_REQUEST_TIMEOUT: '30000' });
    await welcomed(gateway.url());
    const started = Date.now();
    assert.equal(await gateway.stop('SIGINT'), 0);
    assert.ok(Date.now() - started < 8000, 'did not wait for the hanging call');
    assert.match(gateway.process.output(), /Disconnect calls not done within shutdown_timeout/);
  });

  test('a bad configuration value stops the start, naming the option', async () => {
    const cases: Array<[Record<string, string>, string[], RegExp]> = [
      [{ ANYCABLE_PORT: 'eighty' }, [], /option port \(from ANYCABLE_PORT\): must be an integer/],
      [{}, ['--rpc_concurrency=0'], /option rpc_concurrency \(from --rpc_concurrency\): must be >= 1/],
      [{ ANYCABLE_DISCONNECT_MODE: 'sometimes' }, [], /disconnect_mode.*auto, always, never/],
      [{ ANYCABLE_BROADCAST_ADAPTER: 'kafka' }, [], /broadcast_adapter.*unknown adapter "kafka"/],
      [{ ANYCABLE_BROKER: 'kafka' }, [], /option broker \(from ANYCABLE_BROKER\): must be one of none, memory, redis, nats/],
      [{}, ['--no_such_flag=1'], /unknown option --no_such_flag/],
    ];
    for (const [env, args, message] of cases) {
      const child = startProcess(process.execPath, ['dist/apps/gateway/src/main.js', ...args], { ANYCABLE_PORT: '0', ...env }, 'gateway-config');
      cleanups.push(() => child.stop('SIGKILL'));
      const code = await Promise.race([
        new Promise<number | null>((resolve) => child.child.once('exit', resolve)),
        sleep(20_000).then(() => 'still running'),
      ]);
      assert.notEqual(code, 0, `exit code for ${JSON.stringify(env)} ${args}`);
      assert.match(child.output(), message);
    }
  });

  test('flags configure like env vars (anycable-go names)', async () => {
    const rpc = await rpcServer();
    const child = startProcess(
      process.execPath,
      ['dist/apps/gateway/src/main.js', `--rpc_host=${rpc.address}`, '--host', '127.0.0.1', '--port=0', '--path=/socket', '--log_format=json'],
      {},
      'gateway-flags',
    );
    cleanups.push(() => child.stop('SIGKILL'));
    const port = Number((await child.waitForOutput(/Gateway listening on \S+?:(\d+)/))[1]);
    const client = await welcomed(`ws://127.0.0.1:${port}/socket`);
    assert.deepEqual(client.frames[0], { type: 'welcome' });
    const lines = child.output().trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.ok(lines.some((line) => typeof line.msg === 'string' && line.msg.startsWith('Gateway listening')), 'json log lines');
  });

  test('pong_timeout: an extended-protocol client that never answers pings is disconnected; one that pongs and plain clients stay', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc, { ANYCABLE_PING_INTERVAL: '1', ANYCABLE_PONG_TIMEOUT: '1' });
    const silent = await welcomed(gateway.url(), { protocols: ['actioncable-v1-ext-json'] });
    const ponging = await welcomed(gateway.url(), { protocols: ['actioncable-v1-ext-json'] });
    ponging.ws.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type?: string }).type === 'ping') ponging.send({ command: 'pong' });
    });
    const plain = await welcomed(gateway.url());
    assert.equal((await silent.closed).code, 1000);
    assert.deepEqual(silent.messages.at(-1), { type: 'disconnect', reason: 'no_pong', reconnect: true });
    await sleep(1500);
    assert.equal(ponging.ws.readyState, ponging.ws.OPEN);
    assert.equal(plain.ws.readyState, plain.ws.OPEN);
  });

  test('max_conn: upgrades past the limit get 503 until a connection closes', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc, { ANYCABLE_MAX_CONN: '2' });
    const first = await welcomed(gateway.url());
    await welcomed(gateway.url());
    await assert.rejects(RawCableClient.connect(gateway.url()), /HTTP 503/);
    first.close();
    await first.closed;
    await waitFor(async () => (await gateway.health()).clients_num === 1, 'one session left');
    await welcomed(gateway.url());
  });

  test('gc_after_churn: once that many connections opened or closed and then 5 s passed without any, one full GC, logged', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc, { ANYCABLE_GC_AFTER_CHURN: '6' });
    const clients = await Promise.all(Array.from({ length: 3 }, (_, i) => welcomed(`${gateway.url()}?user=u${i}`)));
    for (const client of clients) client.close();
    await Promise.all(clients.map((client) => client.closed));
    // 3 opened + 3 closed; the collection runs in process (no --expose-gc, no --inspect given).
    const [line] = await gateway.process.waitForOutput(/connection burst over: full GC \(gc_after_churn\).*/, 15_000);
    assert.match(line, /churn[=:" ]+6\b/);
    assert.doesNotMatch(gateway.process.output(), /the full GC failed/);
  });

  test('allowed_origins: matching Origin hosts pass, others get 403, no Origin passes', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc, { ANYCABLE_ALLOWED_ORIGINS: '*.example.com,localhost:3000' });
    await welcomed(gateway.url(), { headers: { origin: 'https://app.example.com' } });
    await welcomed(gateway.url(), { headers: { origin: 'http://localhost:3000' } });
    await welcomed(gateway.url());
    await assert.rejects(RawCableClient.connect(gateway.url(), { headers: { origin: 'https://evil.com' } }), /HTTP 403/);
    await assert.rejects(RawCableClient.connect(gateway.url(), { headers: { origin: 'http://localhost:4000' } }), /HTTP 403/);
  });

  test('health JSON and Prometheus metrics', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc, { ANYCABLE_METRICS_HTTP: '/metrics' });
    await welcomed(gateway.url());
    const health = await gateway.health();
    assert.equal(health.status, 'ok');
    assert.equal(health.clients_num, 1);
    assert.ok(health.memory.rss > 0 && health.memory.heapUsed > 0);
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.port}/metrics`)).text();
    assert.match(metrics, /^anycable_go_clients_num 1$/m);
    assert.match(metrics, /^anycable_go_rpc_call_total \d+$/m);
    assert.match(metrics, /^anycable_go_broadcast_msg_total 0$/m);
  });

  test('JWT identification: a valid token skips Connect; bad and expired tokens are refused; enforce_jwt needs one', async () => {
    const rpc = await rpcServer({ connect: (request) => DEFAULT_SCRIPT.connect(request, {} as never) });
    const secret = 'jwt-test-secret';
    const gateway = await gatewayFor(rpc, { ANYCABLE_JWT_SECRET: secret, ANYCABLE_ENFORCE_JWT: 'true' });
    const token = jsonwebtoken.sign({ ext: '{"user":"jwt-user"}' }, secret, { algorithm: 'HS256', expiresIn: 60 });
    const client = await welcomed(`${gateway.url()}?jid=${token}`);
    client.subscribe('{"channel":"Chat"}');
    await client.waitForConfirm('{"channel":"Chat"}');
    assert.equal(rpc.callsOf('Connect').length, 0);
    assert.equal(rpc.commands('subscribe').at(-1)!.request.connection_identifiers, '{"user":"jwt-user"}');
    const viaHeader = await welcomed(gateway.url(), { headers: { 'x-jid': token } });
    // anycable-go's JWT identifier answers with the sid on the plain protocol too.
    assert.deepEqual(Object.keys(viaHeader.frames[0] as object), ['type', 'sid']);

    const refusals: Array<[string, string]> = [
      [`?jid=${jsonwebtoken.sign({ ext: '{}' }, 'other-secret')}`, 'unauthorized'],
      [`?jid=${jsonwebtoken.sign({ ext: '{}', exp: Math.floor(Date.now() / 1000) - 10 }, secret)}`, 'token_expired'],
      ['', 'unauthorized'],
    ];
    for (const [query, reason] of refusals) {
      const refused = await RawCableClient.connect(`${gateway.url()}${query}`);
      assert.equal((await refused.closed).code, 1000);
      assert.deepEqual(refused.frames, [{ type: 'disconnect', reason, reconnect: false }]);
    }
  });
});
