import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { Status } from '#libs/protocol';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort, waitFor } from '../support/ports.js';
import { DEFAULT_SCRIPT, GrpcFailure, ScriptedRpcServer } from '../support/scripted-rpc-server.js';

describe('the gateway when RPC fails, refuses or is slow', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const gatewayFor = async (rpcAddress: string, env: Record<string, string> = {}): Promise<GatewayProcess> => {
    const gateway = await startGateway({ ANYCABLE_RPC_HOST: rpcAddress, ...env });
    cleanups.push(() => gateway.stop());
    return gateway;
  };
  const rpcServer = async (script: Parameters<typeof ScriptedRpcServer.start>[0] = {}): Promise<ScriptedRpcServer> => {
    const server = await ScriptedRpcServer.start(script);
    cleanups.push(() => server.stop());
    return server;
  };
  const connect = async (url: string): Promise<RawCableClient> => {
    const client = await RawCableClient.connect(url);
    cleanups.push(() => client.close());
    return client;
  };

  test('a dns:///name:port RPC target works (resolved, round robin over its addresses)', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(`dns:///localhost:${rpc.port}`);
    const client = await RawCableClient.welcomed(gateway.url());
    cleanups.push(() => client.close());
    assert.deepEqual(client.frames[0], { type: 'welcome' });
    assert.equal(rpc.callsOf('Connect').length, 1);
  });

  test('RPC down at connect: close 1011, nothing sent, logged with the sid', async () => {
    const gateway = await gatewayFor(`127.0.0.1:${await freePort()}`, { ANYCABLE_RPC_REQUEST_TIMEOUT: '800' });
    const client = await connect(gateway.url());
    assert.equal((await client.closed).code, 1011);
    assert.deepEqual(client.frames, []);
    assert.match(gateway.process.output(), /Connect failed \(RPC unavailable\): closing with 1011.*sid=[0-9a-f-]{36}/);
  });

  test('Connect ERROR closes 1011; FAILURE sends its transmissions then closes 1000, with no Disconnect call', async () => {
    const rpc = await rpcServer({
      connect: (request) =>
        request.env.url.includes('broken') ? { status: Status.ERROR, error_msg: 'app exploded' } : DEFAULT_SCRIPT.connect(request, {} as never),
    });
    const gateway = await gatewayFor(rpc.address);
    const broken = await connect(`${gateway.url()}?broken=1`);
    assert.equal((await broken.closed).code, 1011);
    assert.deepEqual(broken.frames, []);
    assert.match(gateway.process.output(), /Connect answered ERROR.*app exploded/);

    const intruder = await connect(`${gateway.url()}?user=intruder`);
    assert.equal((await intruder.closed).code, 1000);
    assert.deepEqual(intruder.frames, [{ type: 'disconnect', reason: 'unauthorized', reconnect: false }]);
    await sleep(300);
    assert.equal(rpc.callsOf('Disconnect').length, 0);
  });

  test('RESOURCE_EXHAUSTED and UNAVAILABLE are retried until an answer; other codes are not', async () => {
    const failures: Record<string, grpc_status[]> = { busy: [status.RESOURCE_EXHAUSTED, status.RESOURCE_EXHAUSTED], down: [status.UNAVAILABLE], bug: [status.INTERNAL] };
    type grpc_status = status;
    const rpc = await rpcServer({
      connect: (request) => {
        const kind = new URL(request.env.url).searchParams.get('kind') ?? '';
        const next = failures[kind]?.shift();
        if (next !== undefined) throw new GrpcFailure(next);
        return DEFAULT_SCRIPT.connect(request, {} as never);
      },
    });
    const gateway = await gatewayFor(rpc.address);
    for (const kind of ['busy', 'down']) {
      const client = await connect(`${gateway.url()}?kind=${kind}`);
      await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', `welcome after ${kind} retries`);
    }
    const attempts = (kind: string): number[] => rpc.callsOf<{ env: { url: string } }>('Connect').filter((call) => call.request.env.url.includes(`kind=${kind}`)).map((call) => call.at);
    assert.equal(attempts('busy').length, 3);
    assert.equal(attempts('down').length, 2);
    const down = attempts('down');
    assert.ok(down[1] - down[0] >= 90, `UNAVAILABLE waited ~100 ms before retrying (${down[1] - down[0]} ms)`);
    const bug = await connect(`${gateway.url()}?kind=bug`);
    assert.equal((await bug.closed).code, 1011);
    assert.equal(attempts('bug').length, 1);
  });

  test('a call past rpc_request_timeout fails with 1011', async () => {
    const rpc = await rpcServer({ connect: () => sleep(3000).then(() => ({ status: Status.SUCCESS, identifiers: 'late' })) });
    const gateway = await gatewayFor(rpc.address, { ANYCABLE_RPC_REQUEST_TIMEOUT: '300' });
    const client = await connect(gateway.url());
    const started = Date.now();
    assert.equal((await client.closed).code, 1011);
    assert.ok(Date.now() - started < 2500, 'closed at the deadline, not when the slow answer came');
  });

  test('the 101 does not wait for a slow Connect: a client handshake timeout never times the RPC queue', async () => {
    const rpc = await rpcServer({ connect: (request) => sleep(1500).then(() => DEFAULT_SCRIPT.connect(request, {} as never)) });
    const gateway = await gatewayFor(rpc.address);
    const started = Date.now();
    const client = await connect(gateway.url());
    const opened = Date.now() - started;
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', 'welcome');
    const welcomed = Date.now() - started;
    assert.ok(welcomed >= 1400, `the welcome came after the slow Connect (${welcomed} ms)`);
    assert.ok(opened < welcomed - 1000, `handshake done at ${opened} ms, before the Connect answered (welcome at ${welcomed} ms)`);
  });

  test('at most rpc_concurrency calls in flight; the others wait and are served', async () => {
    const rpc = await rpcServer({ connect: (request) => sleep(150).then(() => DEFAULT_SCRIPT.connect(request, {} as never)) });
    const gateway = await gatewayFor(rpc.address, { ANYCABLE_RPC_CONCURRENCY: '3' });
    const clients = await Promise.all(Array.from({ length: 12 }, () => connect(gateway.url())));
    await Promise.all(clients.map((client) => client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', 'welcome')));
    assert.equal(rpc.callsOf('Connect').length, 12);
    assert.equal(rpc.maxInFlight, 3);
  });

  test('Command ERROR sends nothing and keeps the session; a later subscribe succeeds', async () => {
    let failSubscribe = true;
    const rpc = await rpcServer({
      command: (request) => {
        if (request.command === 'subscribe' && failSubscribe) {
          failSubscribe = false;
          return { status: Status.ERROR, error_msg: 'subscribe bug', transmissions: ['{"must":"not be sent"}'] };
        }
        if (request.command === 'message') return { status: Status.ERROR, error_msg: 'perform bug', transmissions: ['{"must":"not be sent"}'] };
        return DEFAULT_SCRIPT.command(request, {} as never);
      },
    });
    const gateway = await gatewayFor(rpc.address);
    const client = await RawCableClient.welcomed(gateway.url());
    cleanups.push(() => client.close());
    const id = '{"channel":"Chat"}';
    client.subscribe(id);
    await rpc.waitForCalls('Command', 1);
    client.subscribe(id);
    await client.waitForConfirm(id);
    client.perform(id, { action: 'x' });
    await rpc.waitForCalls('Command', 3);
    await sleep(200);
    assert.deepEqual(client.messages, [{ type: 'welcome' }, { identifier: id, type: 'confirm_subscription' }]);
    assert.equal(client.ws.readyState, client.ws.OPEN);
    assert.match(gateway.process.output(), /subscribe answered ERROR.*subscribe bug/);
  });

  test('RPC restarted mid-session: the session survives and commands work again', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc.address);
    const client = await RawCableClient.welcomed(gateway.url());
    cleanups.push(() => client.close());
    const id = '{"channel":"Chat","stream":"restart"}';
    client.subscribe(id);
    await client.waitForConfirm(id);
    await rpc.stop();
    client.perform(id, { action: 'during', n: 1 });
    await sleep(400);
    await rpc.restart();
    assert.deepEqual(await client.waitForMessages(id, 1, 10_000), [{ echo: { action: 'during', n: 1 } }], 'the command sent while RPC was down was retried');
    client.perform(id, { action: 'after', n: 2 });
    assert.deepEqual((await client.waitForMessages(id, 2)).at(-1), { echo: { action: 'after', n: 2 } });
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });

  test('Disconnect calls are rate-limited (disconnect_rate) and all made eventually; disconnect_mode=never makes none', async () => {
    const rpc = await rpcServer();
    const gateway = await gatewayFor(rpc.address, { ANYCABLE_DISCONNECT_RATE: '5' });
    const clients = await Promise.all(Array.from({ length: 8 }, () => RawCableClient.welcomed(gateway.url())));
    for (const client of clients) client.close();
    await Promise.all(clients.map((client) => client.closed));
    await sleep(500);
    assert.ok(rpc.callsOf('Disconnect').length <= 5, `rate-limited: ${rpc.callsOf('Disconnect').length} calls after 0.5 s at 5/s`);
    await rpc.waitForCalls('Disconnect', 8, 10_000);
    const calls = rpc.callsOf<{ identifiers: string }>('Disconnect');
    assert.ok(calls.every((call) => call.request.identifiers === '{"user":"anonymous"}' && call.metadata.protov === 'v1'));

    const quiet = await rpcServer();
    const never = await gatewayFor(quiet.address, { ANYCABLE_DISCONNECT_MODE: 'never' });
    const client = await RawCableClient.welcomed(never.url());
    client.close();
    await client.closed;
    await sleep(400);
    assert.equal(quiet.callsOf('Disconnect').length, 0);
    await waitFor(async () => (await never.health()).clients_num === 0, 'session gone');
  });
});
