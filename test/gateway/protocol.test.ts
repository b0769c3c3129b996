import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Status } from '#libs/protocol';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { ScriptedRpcServer, channelOf, DEFAULT_SCRIPT } from '../support/scripted-rpc-server.js';
import { waitFor } from '../support/ports.js';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

/** A WebSocket upgrade by hand: the HTTP status and headers the server answers with. */
function rawUpgrade(port: number, path: string, protocols: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = request({
      port,
      host: '127.0.0.1',
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'Sec-WebSocket-Protocol': protocols,
      },
    });
    req.on('upgrade', (response, socket) => {
      socket.destroy();
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
    });
    req.on('response', (response) => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    req.on('error', reject);
    req.end();
  });
}

describe('gateway protocol against a scripted AnyCable RPC server', () => {
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const clients: RawCableClient[] = [];
  const open = async (options?: Parameters<typeof RawCableClient.welcomed>[1], path?: string): Promise<RawCableClient> => {
    const client = await RawCableClient.welcomed(gateway.url(path), options);
    clients.push(client);
    return client;
  };

  before(async () => {
    rpc = await ScriptedRpcServer.start();
    gateway = await startGateway({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_PATH: '/cable,/ws',
      ANYCABLE_HEADERS: 'COOKIE,X-Api-Key,Origin',
      ANYCABLE_PROXY_COOKIES: 'session,locale',
      ANYCABLE_PING_INTERVAL: '1',
    });
  });

  after(async () => {
    for (const client of clients) client.close();
    await gateway?.stop();
    await rpc?.stop();
  });

  test('welcome on actioncable-v1-json; Connect carries url, proxied headers, cookies, REMOTE_ADDR, protov and sid', async () => {
    const client = await open({ headers: { cookie: 'session=s1; tracking=no; locale=fr', 'x-api-key': 'k', 'x-other': 'hidden' } }, '/ws?token=abc');
    assert.equal(client.protocol, 'actioncable-v1-json');
    assert.deepEqual(client.frames[0], { type: 'welcome' });
    const connect = rpc.callsOf<{ env: { url: string; headers: Record<string, string> } }>('Connect').at(-1)!;
    assert.equal(connect.request.env.url, `http://127.0.0.1:${gateway.port}/ws?token=abc`);
    assert.deepEqual(connect.request.env.headers, { cookie: 'session=s1; locale=fr', 'x-api-key': 'k', REMOTE_ADDR: '127.0.0.1' });
    assert.equal(connect.metadata.protov, 'v1');
    assert.match(connect.metadata.sid, /^[0-9a-f-]{36}$/);
  });

  test('sub-protocols: ext is accepted with sid in welcome; an unknown list still upgrades (101)', async () => {
    const ext = await open({ protocols: ['actioncable-v1-ext-json'] });
    assert.equal(ext.protocol, 'actioncable-v1-ext-json');
    const welcome = ext.frames[0] as Record<string, unknown>;
    assert.equal(welcome.type, 'welcome');
    assert.equal(welcome.restored, false);
    assert.equal(welcome.sid, rpc.callsOf('Connect').at(-1)!.metadata.sid);
    // `ws` as a client refuses an answer without a sub-protocol, browsers accept it: check the raw upgrade.
    const upgrade = await rawUpgrade(gateway.port, '/cable', 'actioncable-v1-msgpack, something-else');
    assert.equal(upgrade.status, 101);
    assert.equal(upgrade.headers['sec-websocket-protocol'], undefined);
  });

  test('pings every ping_interval with Unix seconds', async () => {
    const client = await open();
    await waitFor(() => client.frames.filter((frame) => typeof frame === 'object' && frame.type === 'ping').length >= 3, '3 pings', 10_000);
    const pings = client.frames
      .map((frame, index) => ({ frame, at: client.frameTimes[index] }))
      .filter(({ frame }) => typeof frame === 'object' && frame.type === 'ping');
    for (const { frame, at } of pings) {
      const message = (frame as { message: number }).message;
      assert.ok(Number.isInteger(message) && Math.abs(message - at / 1000) < 2, `ping message ${message} is Unix seconds`);
    }
    for (let i = 1; i < pings.length; i++) {
      const gap = pings[i].at - pings[i - 1].at;
      assert.ok(gap > 500 && gap < 2500, `pings about 1 s apart (got ${gap} ms)`);
    }
  });

  test('confirm, reject, perform, identifiers verbatim, second subscribe ignored', async () => {
    const client = await open();
    const a = '{"channel":"Chat","room":1}';
    const b = '{"room":1,"channel":"Chat"}';
    client.subscribe(a);
    client.subscribe(b);
    client.subscribe('{"channel":"Forbidden"}');
    await client.waitForConfirm(a);
    await client.waitForConfirm(b);
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'reject_subscription', 'reject');
    const sid = rpc.commands('subscribe').at(-1)!.metadata.sid;
    const subscribes = rpc.commands('subscribe').filter((call) => call.metadata.sid === sid);
    assert.deepEqual(subscribes.map((call) => call.request.identifier), [a, b, '{"channel":"Forbidden"}']);
    assert.equal(subscribes[0].request.connection_identifiers, '{"user":"anonymous"}');

    client.subscribe(a);
    client.perform(a, { action: 'speak', text: 'hi' });
    assert.deepEqual(await client.waitForMessages(a, 1), [{ echo: { action: 'speak', text: 'hi' } }]);
    assert.equal(rpc.commands('subscribe').filter((call) => call.metadata.sid === sid).length, 3, 'no RPC for a second subscribe');
    assert.equal(rpc.commands('message').at(-1)!.request.data, '{"action":"speak","text":"hi"}', 'data verbatim');
    assert.equal(client.messages.filter((frame) => typeof frame === 'object' && frame.type === 'confirm_subscription').length, 2);
  });

  test('message to an identifier not subscribed: no RPC, nothing sent; unsubscribe sends no frame', async () => {
    const client = await open();
    const id = '{"channel":"Chat","room":9}';
    const before = rpc.commands('message').length;
    client.perform('{"channel":"Nope"}', { action: 'speak' });
    client.subscribe(id);
    await client.waitForConfirm(id);
    assert.equal(rpc.commands('message').length, before);
    const framesBefore = client.messages.length;
    client.send({ command: 'unsubscribe', identifier: id });
    await rpc.waitForCalls('Command', 1, 5000, (call) => (call.request as { command: string; identifier: string }).command === 'unsubscribe' && (call.request as { identifier: string }).identifier === id);
    client.perform(id, { action: 'speak' });
    client.subscribe('{"channel":"Chat","room":10}');
    await client.waitForConfirm('{"channel":"Chat","room":10}');
    assert.equal(client.messages.length, framesBefore + 1, 'only the new confirm arrived');
  });

  test('state: cstate from Connect and istate from subscribe come back in later commands; empty value deletes', async () => {
    rpc.script = {
      ...DEFAULT_SCRIPT,
      connect: () => ({ status: Status.SUCCESS, identifiers: 'ids', transmissions: ['{"type":"welcome"}'], env: { cstate: { user: 'u1', tmp: 'x' }, istate: {} } }),
      command: (request) => {
        if (request.command === 'subscribe') {
          return { status: Status.SUCCESS, env: { cstate: { tmp: '' }, istate: { room: '7' } }, transmissions: [JSON.stringify({ identifier: request.identifier, type: 'confirm_subscription' })] };
        }
        return DEFAULT_SCRIPT.command(request, {} as never);
      },
    };
    try {
      const client = await open();
      client.subscribe('{"channel":"State"}');
      await client.waitForConfirm('{"channel":"State"}');
      client.perform('{"channel":"State"}', { action: 'x' });
      await client.waitForMessages('{"channel":"State"}', 1);
      const message = rpc.commands('message').at(-1)!.request;
      assert.deepEqual(message.env.cstate, { user: 'u1' });
      assert.deepEqual(message.env.istate, { room: '7' });
      assert.equal(message.connection_identifiers, 'ids');
      client.close();
      const disconnect = await rpc.waitForCalls('Disconnect', 1, 10_000, (call) => (call.request as { identifiers: string }).identifiers === 'ids');
      const request = disconnect[0].request as { subscriptions: string[]; env: { cstate: object; istate: Record<string, string> } };
      assert.deepEqual(request.subscriptions, ['{"channel":"State"}']);
      assert.deepEqual(request.env.cstate, { user: 'u1' });
      assert.deepEqual(JSON.parse(request.env.istate['{"channel":"State"}']), { room: '7' });
    } finally {
      rpc.script = { ...DEFAULT_SCRIPT };
    }
  });

  test('a command answer with disconnect: transmissions first, then the socket closes', async () => {
    rpc.script = {
      ...DEFAULT_SCRIPT,
      command: (request) =>
        request.command === 'message'
          ? { status: Status.SUCCESS, disconnect: true, transmissions: [JSON.stringify({ identifier: request.identifier, message: 'bye' })] }
          : DEFAULT_SCRIPT.command(request, {} as never),
    };
    try {
      const client = await open();
      const id = '{"channel":"Kick"}';
      client.subscribe(id);
      await client.waitForConfirm(id);
      client.perform(id, { action: 'leave' });
      const closed = await client.closed;
      assert.equal(closed.code, 1000);
      assert.deepEqual(client.messagesFor(id), ['bye']);
    } finally {
      rpc.script = { ...DEFAULT_SCRIPT };
    }
  });

  test('stop_streams / stopped_streams stop delivery of those streams only', async () => {
    rpc.script = {
      ...DEFAULT_SCRIPT,
      command: (request) => {
        if (request.command === 'subscribe') {
          return { status: Status.SUCCESS, streams: ['s:a', 's:b', 's:c'], transmissions: [JSON.stringify({ identifier: request.identifier, type: 'confirm_subscription' })] };
        }
        const action = (JSON.parse(request.data) as { action: string }).action;
        return action === 'stop_b' ? { status: Status.SUCCESS, stopped_streams: ['s:b'] } : { status: Status.SUCCESS, stop_streams: true, streams: ['s:d'] };
      },
    };
    try {
      const client = await open();
      const id = '{"channel":"Streams"}';
      client.subscribe(id);
      await client.waitForConfirm(id);
      const streams = async (): Promise<number> => (await gateway.health()).broadcast_streams_num;
      const before = await streams();
      client.perform(id, { action: 'stop_b' });
      await waitFor(async () => (await streams()) === before - 1, 's:b no longer followed');
      client.perform(id, { action: 'stop_all_follow_d' });
      await waitFor(async () => (await streams()) === before - 2, 'only s:d followed now');
    } finally {
      rpc.script = { ...DEFAULT_SCRIPT };
    }
  });

  test('whisper relays to the other subscribers of the whisper stream ($w), not to the sender', async () => {
    rpc.script = {
      ...DEFAULT_SCRIPT,
      command: (request) =>
        request.command === 'subscribe'
          ? {
              status: Status.SUCCESS,
              streams: ['typing:room'],
              env: { cstate: {}, istate: { $w: 'typing:room' } },
              transmissions: [JSON.stringify({ identifier: request.identifier, type: 'confirm_subscription' })],
            }
          : DEFAULT_SCRIPT.command(request, {} as never),
    };
    try {
      const [alice, bob] = [await open(), await open()];
      const id = '{"channel":"Typing"}';
      for (const client of [alice, bob]) client.subscribe(id);
      await alice.waitForConfirm(id);
      await bob.waitForConfirm(id);
      alice.send({ command: 'whisper', identifier: id, data: { typing: 'alice' } });
      assert.deepEqual(await bob.waitForMessages(id, 1), [{ typing: 'alice' }]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(alice.messagesFor(id), []);
    } finally {
      rpc.script = { ...DEFAULT_SCRIPT };
    }
  });

  test('history is answered with reject_history (no broker); pong and whisper are accepted on the plain protocol', async () => {
    const client = await open();
    const id = '{"channel":"Chat","room":3}';
    client.subscribe(id);
    await client.waitForConfirm(id);
    client.send({ command: 'pong' });
    client.send({ command: 'whisper', identifier: id, data: { typing: true } });
    client.send({ command: 'history', identifier: id, history: { since: 1 } });
    const reply = await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'reject_history', 'reject_history');
    assert.deepEqual(reply, { type: 'reject_history', identifier: id });
    assert.equal(client.ws.readyState, client.ws.OPEN);
  });

  test('other paths are not cable endpoints', async () => {
    await assert.rejects(RawCableClient.connect(gateway.url('/nope')), /HTTP 404/);
    const response = await fetch(`http://127.0.0.1:${gateway.port}/health`);
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { status: string }).status, 'ok');
    assert.equal(channelOf('{"channel":"X"}'), 'X');
  });
});
