import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { status } from '@grpc/grpc-js';
import type { RpcConfig } from '../config/gateway-config.js';
import { loadConfig } from '../config/load-config.js';
import { HttpTransport } from './http.transport.js';
import { RpcTransportError } from './rpc-transport.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

/** A real HTTP server on a free port answering with `handler`; returns its base URL. */
async function rpcServer(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => handler(request, Buffer.concat(chunks).toString('utf8'), response));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/_anycable`, server };
}

/** The gateway's RPC config as its loader builds it from flags (the defaults, an http rpc_host, a secret). */
function configFor(host: string, extraFlags: string[] = []): RpcConfig {
  const loaded = loadConfig([`--rpc_host=${host}`, '--http_rpc_secret=s3cret', '--rpc_concurrency=4', ...extraFlags], {});
  if (loaded.kind !== 'run') throw new Error('bug: the test flags asked for help');
  return loaded.config.rpc;
}

function json(response: ServerResponse, statusCode: number, body: string): void {
  response.writeHead(statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

async function rejection(promise: Promise<unknown>): Promise<RpcTransportError> {
  const error = await promise.then(
    () => assert.fail('the call was expected to fail'),
    (failure: unknown) => failure,
  );
  assert.ok(error instanceof RpcTransportError, `not an RpcTransportError: ${String(error)}`);
  return error;
}

test('a call is a POST of the message as JSON to <rpc_host>/<method>, with the secret and the metadata as headers', async () => {
  const seen: { path?: string; method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
  const { url, server } = await rpcServer((request, body, response) => {
    Object.assign(seen, { path: request.url, method: request.method, headers: request.headers, body });
    json(response, 200, '{"status":1,"identifiers":"{\\"user\\":\\"u1\\"}","transmissions":["{\\"type\\":\\"welcome\\"}"]}');
  });
  const transport = new HttpTransport(configFor(url));
  try {
    const answer = await transport.invoke('Connect', 'sid-1', { env: { url: 'ws://x/cable', headers: {} } }, Date.now() + 2000);
    assert.deepEqual(answer, {
      status: 1,
      identifiers: '{"user":"u1"}',
      transmissions: ['{"type":"welcome"}'],
      error_msg: '',
      env: null,
    });
    assert.equal(seen.path, '/_anycable/connect');
    assert.equal(seen.method, 'POST');
    assert.equal(seen.headers?.authorization, 'Bearer s3cret');
    assert.equal(seen.headers?.['x-anycable-meta-sid'], 'sid-1');
    assert.equal(seen.headers?.['x-anycable-meta-protov'], 'v1');
    assert.equal(seen.headers?.['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(seen.body ?? ''), { env: { url: 'ws://x/cable', headers: {} } });
  } finally {
    transport.close();
    server.close();
  }
});

test('statuses map to gRPC codes as anycable-go maps them', async () => {
  const statusOf: Record<string, number> = { '/_anycable/connect': 401, '/_anycable/command': 422, '/_anycable/disconnect': 500 };
  const { url, server } = await rpcServer((request, _body, response) => json(response, statusOf[request.url ?? ''] ?? 404, '{"error":"no"}'));
  const transport = new HttpTransport(configFor(url));
  try {
    const deadline = Date.now() + 2000;
    assert.equal((await rejection(transport.invoke('Connect', 's', {}, deadline))).code, status.UNAUTHENTICATED);
    assert.equal((await rejection(transport.invoke('Command', 's', {}, deadline))).code, status.INVALID_ARGUMENT);
    assert.equal((await rejection(transport.invoke('Disconnect', 's', {}, deadline))).code, status.UNKNOWN);
  } finally {
    transport.close();
    server.close();
  }
});

test('an answer that is not a JSON object, or larger than rpc_max_call_recv_size, is UNKNOWN', async () => {
  const { url, server } = await rpcServer((request, _body, response) =>
    json(response, 200, request.url === '/_anycable/connect' ? '[1,2]' : JSON.stringify({ status: 1, error_msg: 'x'.repeat(5000) })),
  );
  const transport = new HttpTransport(configFor(url, ['--rpc_max_call_recv_size=1024']));
  try {
    const notObject = await rejection(transport.invoke('Connect', 's', {}, Date.now() + 2000));
    assert.equal(notObject.code, status.UNKNOWN);
    assert.match(notObject.details, /unreadable answer/);
    const tooLarge = await rejection(transport.invoke('Command', 's', {}, Date.now() + 2000));
    assert.equal(tooLarge.code, status.UNKNOWN);
    assert.match(tooLarge.details, /larger than 1024 bytes/);
  } finally {
    transport.close();
    server.close();
  }
});

test('no server listening is UNAVAILABLE (retried by the client); no answer before the deadline is DEADLINE_EXCEEDED', async () => {
  const { url, server } = await rpcServer(() => undefined); // never answers
  const closed = await rpcServer(() => undefined);
  closed.server.close();
  await once(closed.server, 'close');
  const silent = new HttpTransport(configFor(url));
  const refused = new HttpTransport(configFor(closed.url));
  try {
    assert.equal((await rejection(refused.invoke('Connect', 's', {}, Date.now() + 2000))).code, status.UNAVAILABLE);
    const started = Date.now();
    const late = await rejection(silent.invoke('Command', 's', {}, started + 150));
    assert.equal(late.code, status.DEADLINE_EXCEEDED);
    assert.ok(Date.now() - started < 1000, 'the deadline is kept');
  } finally {
    silent.close();
    refused.close();
    server.closeAllConnections();
    server.close();
  }
});
