import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventSource } from 'eventsource';
import jsonwebtoken from 'jsonwebtoken';
import type { ConnectionRequest } from '#libs/protocol';
import { RawCableClient } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';
import { DEFAULT_SCRIPT, feed, GrpcFailure, ScriptedRpcServer } from '../support/scripted-rpc-server.js';
import { SseStream } from '../support/sse-client.js';

const JWT_SECRET = 'sse-test-jwt-secret';
const token = (identifiers: object, expiresIn = 60): string =>
  jsonwebtoken.sign({ ext: JSON.stringify(identifiers) }, JWT_SECRET, { algorithm: 'HS256', expiresIn });
const query = (params: Record<string, string>): string => new URLSearchParams(params).toString();

describe('SSE at /events (sse=true, broker=memory): anycable-go 1.6.0 behaviour', () => {
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const streams: SseStream[] = [];
  const sources: EventSource[] = [];

  const events = (params: Record<string, string>, init?: RequestInit): Promise<SseStream> =>
    SseStream.open(`http://127.0.0.1:${gateway.port}/events?${query(params)}`, init).then((stream) => {
      streams.push(stream);
      return stream;
    });

  before(async () => {
    rpc = await ScriptedRpcServer.start({
      connect: (request: ConnectionRequest, call) => {
        // A dead RPC, as the gateway sees it: the call fails.
        if (new URL(request.env.url).searchParams.get('user') === 'broken') throw new GrpcFailure(13, 'app crashed');
        return DEFAULT_SCRIPT.connect(request, call);
      },
    });
    gateway = await startGateway({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_BROADCAST_ADAPTER: 'http',
      ANYCABLE_PUBSUB: 'none',
      ANYCABLE_BROKER: 'memory',
      ANYCABLE_PING_INTERVAL: '1',
      ANYCABLE_SSE: 'true',
      ANYCABLE_JWT_SECRET: JWT_SECRET,
    });
  });

  after(async () => {
    for (const stream of streams) stream.close();
    for (const source of sources) source.close();
    await gateway?.stop();
    await rpc?.stop();
  });

  test('typed events (welcome, confirm_subscription, ping), then broadcasts as their message only, with the position as id', async () => {
    const id = feed('sse:typed');
    const stream = await events({ identifier: id, user: 'alice' });
    assert.equal(stream.status, 200);
    assert.equal(stream.response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    assert.equal(stream.response.headers.get('access-control-allow-origin'), '*');
    assert.equal(stream.response.headers.get('cache-control'), 'private, no-cache, no-store, must-revalidate, max-age=0');
    await stream.waitForEvents(2);
    await stream.waitForEvents(1, 'confirm_subscription');
    assert.deepEqual(stream.withoutPings.slice(0, 2), [
      { event: 'welcome', data: '{"type":"welcome"}', id: undefined, retry: undefined },
      { event: 'confirm_subscription', data: JSON.stringify({ identifier: id, type: 'confirm_subscription' }), id: undefined, retry: undefined },
    ]);
    assert.ok(stream.text.startsWith('event: welcome\ndata: {"type":"welcome"}\n\nevent: '), stream.text);
    const [connect] = rpc.callsOf<ConnectionRequest>('Connect').filter((call) => call.request.env.url.includes('sse%3Atyped'));
    assert.ok(connect, 'authenticated through RPC Connect');
    assert.match(connect.request.env.url, /^http:\/\/127\.0\.0\.1:\d+\/events\?/);

    await gateway.publish({ stream: 'sse:typed', data: '{"text":"hi"}' });
    await gateway.publish({ stream: 'sse:typed', data: 'plain text' });
    await gateway.publish({ stream: 'sse:typed', data: '{\n  "pretty": true\n}' });
    const messages = await stream.waitForEvents(3, '');
    const epoch = messages[0].id?.split('/')[1];
    assert.ok(epoch, `an id <offset>/<epoch>/<stream>: ${messages[0].id}`);
    assert.deepEqual(messages, [
      { event: '', data: '{"text":"hi"}', id: `1/${epoch}/sse:typed`, retry: undefined },
      { event: '', data: 'plain text', id: `2/${epoch}/sse:typed`, retry: undefined },
      { event: '', data: '{\n  "pretty": true\n}', id: `3/${epoch}/sse:typed`, retry: undefined },
    ]);
    const [ping] = await stream.waitForEvents(1, 'ping', 5_000);
    assert.equal((JSON.parse(ping.data) as { type: string }).type, 'ping');
  });

  test('raw=1: data messages only, no welcome, confirmation or ping', async () => {
    const stream = await events({ identifier: feed('sse:raw'), raw: '1' });
    assert.equal(stream.status, 200, 'answered once subscribed');
    await gateway.publish({ stream: 'sse:raw', data: '{"n":1}' });
    await stream.waitForEvents(1);
    await sleep(1_500); // longer than ping_interval: a ping would have come
    await gateway.publish({ stream: 'sse:raw', data: '{"n":2}' });
    await stream.waitForEvents(2);
    assert.deepEqual(stream.events.map((event) => [event.event, event.data]), [
      ['', '{"n":1}'],
      ['', '{"n":2}'],
    ]);
    assert.doesNotMatch(stream.text, /event:/);
  });

  test('a JWT (?jid=) identifies the session without Connect; a bad or expired token gets 401 with an empty body', async () => {
    const connects = rpc.callsOf('Connect').length;
    const stream = await events({ identifier: feed('sse:jwt'), jid: token({ user: 'jwt-user' }) });
    assert.equal(stream.status, 200);
    await stream.waitForEvents(2);
    assert.equal(stream.withoutPings[0].event, 'welcome');
    assert.equal(rpc.callsOf('Connect').length, connects, 'no Connect call');
    const subscribe = rpc.commands('subscribe').find((call) => call.request.identifier === feed('sse:jwt'));
    assert.equal(subscribe?.request.connection_identifiers, '{"user":"jwt-user"}');

    for (const jid of [jsonwebtoken.sign({ ext: '{"user":"x"}' }, 'another secret', { algorithm: 'HS256' }), token({ user: 'late' }, -10)]) {
      const refused = await events({ identifier: feed('sse:jwt'), jid });
      assert.equal(refused.status, 401);
      await refused.waitForEnd();
      assert.equal(refused.text, '');
    }
    assert.equal(rpc.callsOf('Connect').length, connects, 'still no Connect call');
  });

  test('failures answer with an empty body: 401 for a rejected connection, 400 for a rejected subscription, a dead RPC or no channel', async () => {
    const cases: Array<[Record<string, string>, number]> = [
      [{ channel: 'Feed', user: 'intruder' }, 401],
      [{ channel: 'Forbidden', user: 'bob' }, 400],
      [{ channel: 'Feed', user: 'broken' }, 400],
      [{ user: 'bob' }, 400],
    ];
    for (const [params, status] of cases) {
      const stream = await events(params);
      assert.equal(stream.status, status, JSON.stringify(params));
      await stream.waitForEnd();
      assert.equal(stream.text, '', `empty body for ${JSON.stringify(params)}`);
    }
    const rejected = rpc.commands('subscribe').filter((call) => call.request.identifier === '{"channel":"Forbidden"}');
    assert.equal(rejected.length, 1, 'the rejected subscription went through RPC');
    // As anycable-go does, the session of a rejected subscription is disconnected (Disconnect called).
    await rpc.waitForCalls('Disconnect', 1, 10_000, (call) => call.metadata.sid === rejected[0].metadata.sid);
  });

  test('Last-Event-ID resumes after the last message seen; history_since replays the window', async () => {
    const id = feed('sse:resume');
    const first = await events({ identifier: id });
    await gateway.publish({ stream: 'sse:resume', data: '{"n":1}' });
    const [seen] = await first.waitForEvents(1, '');
    first.close();
    await gateway.publish({ stream: 'sse:resume', data: '{"n":2}' });
    await gateway.publish({ stream: 'sse:resume', data: '{"n":3}', meta: { transient: true } });
    await gateway.publish({ stream: 'sse:resume', data: '"four"' });

    const back = await events({ identifier: id }, { headers: { 'Last-Event-ID': seen.id ?? '' } });
    await back.waitForEvents(1, 'confirm_history');
    const epoch = seen.id?.split('/')[1];
    assert.deepEqual(back.withoutPings.map((event) => [event.event, event.event ? '' : event.data, event.id ?? '']), [
      ['welcome', '', ''],
      ['confirm_subscription', '', ''],
      ['', '{"n":2}', `2/${epoch}/sse:resume`],
      ['', 'four', `3/${epoch}/sse:resume`],
      ['confirm_history', '', ''],
    ]);

    const since = await events({ identifier: id, history_since: String(Math.floor(Date.now() / 1000) - 60) });
    await since.waitForEvents(1, 'confirm_history');
    assert.deepEqual(since.ofType('').map((event) => event.data), ['{"n":1}', '{"n":2}', 'four']);

    const malformed = await events({ identifier: id }, { headers: { 'Last-Event-ID': 'x/y/z' } });
    assert.equal(malformed.status, 400, 'a non-numeric offset is refused, as anycable-go does');
  });

  test('EventSource (npm eventsource): told to reconnect, it comes back with Last-Event-ID and misses nothing', async () => {
    const url = `http://127.0.0.1:${gateway.port}/events?${query({ identifier: feed('sse:es'), user: 'eve' })}`;
    const source = new EventSource(url);
    sources.push(source);
    const received: string[] = [];
    const disconnects: string[] = [];
    let welcomes = 0;
    source.addEventListener('welcome', () => welcomes++);
    source.addEventListener('disconnect', (event) => disconnects.push(event.data));
    source.onmessage = (event) => received.push(event.data);
    await waitFor(() => welcomes === 1 || null, 'welcome');
    await gateway.publish({ stream: 'sse:es', data: '{"n":1}' });
    await waitFor(() => received.length === 1 || null, 'first message');
    await gateway.publish({ command: 'disconnect', payload: { identifier: '{"user":"eve"}', reconnect: true } });
    await waitFor(() => disconnects.length === 1 || null, 'disconnect event');
    assert.deepEqual(JSON.parse(disconnects[0]), { type: 'disconnect', reason: 'remote', reconnect: true });
    await gateway.publish({ stream: 'sse:es', data: '{"n":2}' });
    await waitFor(() => welcomes === 2 || null, 'reconnected (EventSource retries after 3 s)', 10_000);
    await waitFor(() => received.length === 2 || null, 'the missed message');
    await gateway.publish({ stream: 'sse:es', data: '{"n":3}' });
    await waitFor(() => received.length === 3 || null, 'a live message after the resume');
    assert.deepEqual(received, ['{"n":1}', '{"n":2}', '{"n":3}']);
  });

  test('an HTTP/1.0 client gets the events unframed (no chunked encoding), the body ending with the connection', async () => {
    const socket = connect(gateway.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.write(`GET /events?${query({ identifier: feed('sse:http10') })} HTTP/1.0\r\nHost: x\r\n\r\n`);
    await waitFor(() => received.includes('confirm_subscription') || null, 'HTTP/1.0 stream answered');
    await gateway.publish({ stream: 'sse:http10', data: '{"n":1}' });
    await waitFor(() => received.includes('data: {"n":1}') || null, 'HTTP/1.0 broadcast');
    socket.destroy();
    const [head, body] = received.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.[01] 200 OK/);
    assert.doesNotMatch(head, /transfer-encoding/i);
    assert.match(body, /^event: welcome\ndata: \{"type":"welcome"\}\n\nevent: confirm_subscription\n/);
    // Not anchored at the end: a ping (ping_interval 1 s) may follow the broadcast.
    assert.match(body, /\n\ndata: \{"n":1\}\nid: 1\/[^/]+\/sse:http10\n\n/);
    assert.doesNotMatch(body, /\r\n/, 'no chunk framing in the body');
  });

  test('POST with JSON-lines subscribe commands: whole frames, not unwrapped', async () => {
    const id = feed('sse:post');
    const stream = await SseStream.open(`http://127.0.0.1:${gateway.port}/events`, {
      method: 'POST',
      body: `${JSON.stringify({ command: 'subscribe', identifier: id })}\n`,
    });
    streams.push(stream);
    assert.equal(stream.status, 200);
    await gateway.publish({ stream: 'sse:post', data: '{"n":1}' });
    const [message] = await stream.waitForEvents(1, '');
    const frame = JSON.parse(message.data) as Record<string, unknown>;
    assert.deepEqual({ ...frame, epoch: undefined }, { identifier: id, message: { n: 1 }, stream_id: 'sse:post', epoch: undefined, offset: 1 });
    const bad = await SseStream.open(`http://127.0.0.1:${gateway.port}/events`, { method: 'POST', body: '{"command":"message","identifier":"x","data":"{}"}' });
    streams.push(bad);
    assert.equal(bad.status, 400);
  });

  test('a closed EventSource ends the session: Disconnect is called, the stream has no subscriber left', async () => {
    const stream = await events({ identifier: feed('sse:gone'), user: 'leaver' });
    await stream.waitForEvents(2);
    const subscribe = rpc.commands('subscribe').find((call) => call.request.identifier === feed('sse:gone'));
    stream.close();
    await rpc.waitForCalls('Disconnect', 1, 10_000, (call) => call.metadata.sid === subscribe?.metadata.sid);
    const disconnect = rpc.callsOf<{ subscriptions: string[] }>('Disconnect').find((call) => call.metadata.sid === subscribe?.metadata.sid);
    assert.deepEqual(disconnect?.request.subscriptions, [feed('sse:gone')]);
  });
});

describe('SSE bounds, CORS and shutdown (max_conn=2, allowed_origins)', () => {
  let rpc: ScriptedRpcServer;
  let gateway: GatewayProcess;
  const streams: SseStream[] = [];

  before(async () => {
    rpc = await ScriptedRpcServer.start();
    gateway = await startGateway({
      ANYCABLE_RPC_HOST: rpc.address,
      ANYCABLE_BROADCAST_ADAPTER: 'http',
      ANYCABLE_PUBSUB: 'none',
      ANYCABLE_SSE: 'true',
      ANYCABLE_SSE_PATH: '/sse',
      ANYCABLE_MAX_CONN: '2',
      ANYCABLE_ALLOWED_ORIGINS: '*.example.com',
      ANYCABLE_WS_MAX_PENDING_SIZE: '262144',
    });
  });

  after(async () => {
    for (const stream of streams) stream.close();
    await gateway?.stop('SIGKILL');
    await rpc?.stop();
  });

  const open = (init?: RequestInit, params = 'channel=Feed'): Promise<SseStream> =>
    SseStream.open(`http://127.0.0.1:${gateway.port}/sse?${params}`, init).then((stream) => {
      streams.push(stream);
      return stream;
    });

  test('CORS as anycable-go: an allowed origin is echoed, another gets no Allow-Origin (not refused); preflight 200', async () => {
    const allowed = await open({ headers: { Origin: 'https://app.example.com' } });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.response.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(allowed.response.headers.get('access-control-allow-credentials'), 'true');
    allowed.close();
    const other = await open({ headers: { Origin: 'https://evil.test' } });
    assert.equal(other.status, 200);
    assert.equal(other.response.headers.get('access-control-allow-origin'), null);
    other.close();
    const preflight = await fetch(`http://127.0.0.1:${gateway.port}/sse`, { method: 'OPTIONS', headers: { Origin: 'https://app.example.com' } });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers.get('access-control-allow-methods'), 'POST, OPTIONS');
    const put = await fetch(`http://127.0.0.1:${gateway.port}/sse`, { method: 'PUT' });
    assert.equal(put.status, 405);
    await waitFor(async () => (await gateway.health()).clients_num === 0 || null, 'closed streams gone');
  });

  test('max_conn counts SSE and WebSocket connections together; over it: 503', async () => {
    const sse = await open();
    assert.equal(sse.status, 200);
    const ws = await RawCableClient.welcomed(gateway.url());
    const third = await open();
    assert.equal(third.status, 503, 'SSE over max_conn');
    await assert.rejects(RawCableClient.connect(gateway.url()), /503/, 'WebSocket over max_conn');
    ws.close();
    await ws.closed;
    const again = await waitFor(async () => {
      const stream = await open();
      return stream.status === 200 ? stream : null;
    }, 'a free slot again');
    assert.equal(again.status, 200);
    again.close();
    sse.close();
    await waitFor(async () => (await gateway.health()).clients_num === 0 || null, 'streams gone');
  });

  test('a client that does not read is disconnected (ws_max_pending_size), as a WebSocket one is', async () => {
    const socket = connect(gateway.port, '127.0.0.1');
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk: Buffer) => (head += chunk.toString('latin1')));
    socket.write('GET /sse?identifier=%7B%22channel%22%3A%22Feed%22%2C%22stream%22%3A%22firehose%22%7D HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => head.includes('confirm_subscription') || null, 'the stream answered');
    socket.pause();
    const reader = await open({}, query({ identifier: feed('firehose') }));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const payload = JSON.stringify({ blob: 'z'.repeat(60_000) });
    for (let i = 0; i < 200; i++) await gateway.publish({ stream: 'firehose', data: payload });
    await waitFor(() => /client is not reading \(ws_max_pending_size exceeded\): disconnecting.*transport=sse/.test(gateway.process.output()) || null, 'slow SSE client dropped', 20_000);
    socket.resume();
    await closed;
    assert.equal((await reader.waitForEvents(200, '', 30_000)).length, 200, 'the reading stream got everything');
    reader.close();
    await waitFor(async () => (await gateway.health()).clients_num === 0 || null, 'streams gone');
  });

  test('graceful shutdown: every stream gets the disconnect event (server_restart, reconnect) and ends', async () => {
    const stream = await open();
    await stream.waitForEvents(2);
    const exit = gateway.stop('SIGTERM');
    await stream.waitForEnd();
    const last = stream.events.at(-1);
    assert.deepEqual(last, { event: 'disconnect', data: '{"type":"disconnect","reason":"server_restart","reconnect":true}', id: undefined, retry: undefined });
    assert.equal(await exit, 0);
  });
});
