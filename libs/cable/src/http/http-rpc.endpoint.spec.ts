import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import 'reflect-metadata';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CableModule } from '../cable.module.js';
import type { ChannelContext } from '../context/channel-context.js';
import type { ConnectContext } from '../context/connect-context.js';
import { CableConnection } from '../decorators/cable-connection.decorator.js';
import { Channel } from '../decorators/channel.decorator.js';
import { MAX_HTTP_RPC_BODY_BYTES } from './http-rpc-body.js';

const SECRET = 'endpoint-secret';
const AUTH = { authorization: `Bearer ${SECRET}` };
const V1 = { 'x-anycable-meta-sid': 'sid-7', 'x-anycable-meta-protov': 'v1' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** Connect waits here while `?hold` is in the URL, so a test can keep a call in flight. */
let release: () => void = () => undefined;

@CableConnection({ identifiedBy: ['user'] })
class TestConnection {
  async connect(ctx: ConnectContext<{ user: string }>): Promise<void> {
    if (ctx.request.query.has('hold')) await new Promise<void>((resolve) => (release = resolve));
    ctx.identify({ user: ctx.request.query.get('user') ?? 'guest' });
  }
}

@Channel('room')
class RoomChannel {
  subscribed(ctx: ChannelContext): void {
    ctx.streamFrom('room');
  }
}

/** A route of the app itself: requests the endpoint does not take must still reach it. */
@Controller()
class PingController {
  @Get('ping')
  ping(): { pong: true } {
    return { pong: true };
  }
}

async function startApp(): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [CableModule.forRoot({ connection: TestConnection, channels: [RoomChannel], maxConcurrentCalls: 1, httpRpc: { path: '/_anycable', secret: SECRET } })],
    controllers: [PingController],
  })
  class TestModule {}
  const app = await NestFactory.create(TestModule, { logger: false, abortOnError: false });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}

async function call(url: string, init: RequestInit): Promise<{ status: number; type: string | null; body: unknown }> {
  const response = await fetch(url, init);
  return { status: response.status, type: response.headers.get('content-type'), body: await response.json() };
}

const post = (body: BodyInit, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', headers: { ...JSON_TYPE, ...AUTH, ...V1, ...headers }, body });
const connectBody = (query = 'user=ann'): string => JSON.stringify({ env: { url: `ws://h/cable?${query}`, headers: { cookie: 'a=1' } } });

test('RPC over HTTP ahead of the app: the three calls answered as JSON, everything else left to the app', async () => {
  const { app, url } = await startApp();
  try {
    const connected = await call(`${url}/_anycable/connect`, post(connectBody()));
    assert.equal(connected.status, 200);
    assert.equal(connected.type, 'application/json; charset=utf-8');
    assert.deepEqual(connected.body, {
      status: 1,
      identifiers: '{"user":"ann"}',
      transmissions: ['{"type":"welcome","sid":"sid-7"}'],
      error_msg: '',
      env: { cstate: {}, istate: {} },
    });
    const command = JSON.stringify({ command: 'subscribe', identifier: '{"channel":"room"}', connection_identifiers: '{"user":"ann"}', env: { url: 'ws://h/cable' } });
    const subscribed = await call(`${url}/_anycable/command`, post(command));
    assert.equal(subscribed.status, 200);
    assert.deepEqual((subscribed.body as { streams: string[] }).streams, ['room']);
    const disconnected = await call(`${url}/_anycable/disconnect`, post(JSON.stringify({ identifiers: '{"user":"ann"}', subscriptions: [] })));
    assert.deepEqual(disconnected.body, { status: 1, error_msg: '' });
    // As the route `POST /_anycable/:method` matched: mount path in any case, trailing slash, query.
    for (const path of ['/_ANYCABLE/connect', '/_anycable/connect/', '/_anycable/connect?x=1']) {
      assert.equal((await call(`${url}${path}`, post(connectBody()))).status, 200, path);
    }

    assert.deepEqual((await call(`${url}/ping`, {})).body, { pong: true });
    const get = await call(`${url}/_anycable/connect`, { headers: AUTH });
    assert.deepEqual([get.status, (get.body as { message: string }).message], [404, 'Cannot GET /_anycable/connect']);
    const deeper = await call(`${url}/_anycable/connect/x`, post('{}'));
    assert.deepEqual([deeper.status, (deeper.body as { message: string }).message], [404, 'Cannot POST /_anycable/connect/x']);
  } finally {
    await app.close();
  }
});

test('refusals: the statuses and bodies Nest wrote before (401 first, 404, 400, 413, 415)', async () => {
  const { app, url } = await startApp();
  try {
    assert.deepEqual(await call(`${url}/_anycable/connect`, post('not even json', { authorization: 'Bearer wrong' })), {
      status: 401,
      type: 'application/json; charset=utf-8',
      body: { message: 'missing or wrong Authorization: Bearer <http_rpc_secret>', error: 'Unauthorized', statusCode: 401 },
    });
    assert.deepEqual((await call(`${url}/_anycable/subscribe`, post('{}'))).body, {
      message: 'unknown RPC method "subscribe" (connect, command, disconnect)',
      error: 'Not Found',
      statusCode: 404,
    });
    const notAnObject = { message: 'command: the body must be a JSON object', error: 'Bad Request', statusCode: 400 };
    for (const [body, headers] of [['[1]', {}], ['"text"', {}], [' null', {}], [connectBody(), { 'content-type': 'text/plain' }]] as const) {
      assert.deepEqual(await call(`${url}/_anycable/command`, post(body, headers)), { status: 400, type: 'application/json; charset=utf-8', body: notAnObject }, body);
    }
    assert.deepEqual((await call(`${url}/_anycable/connect`, post('{"env":'))).body, {
      message: 'Unexpected end of JSON input',
      error: 'Bad Request',
      statusCode: 400,
    });
    const large = JSON.stringify({ env: { url: 'ws://h/cable', pad: 'x'.repeat(MAX_HTTP_RPC_BODY_BYTES) } });
    assert.deepEqual(await call(`${url}/_anycable/connect`, post(large)), { status: 413, type: 'application/json; charset=utf-8', body: { statusCode: 413, message: 'request entity too large' } });
    const gzippedLarge = gzipSync(large);
    assert.equal((await call(`${url}/_anycable/connect`, post(gzippedLarge, { 'content-encoding': 'gzip' }))).status, 413, 'the bound applies after decompression');
    assert.deepEqual((await call(`${url}/_anycable/connect`, post(connectBody(), { 'content-type': 'application/json; charset=latin1' }))).body, {
      statusCode: 415,
      message: 'unsupported charset "LATIN1"',
    });
    assert.deepEqual((await call(`${url}/_anycable/connect`, post(connectBody(), { 'content-encoding': 'compress' }))).body, {
      statusCode: 415,
      message: 'unsupported content encoding "compress"',
    });
    // Accepted as before: gzip, a charset parameter, an empty body (no env).
    const gzipped = await call(`${url}/_anycable/connect`, post(gzipSync(connectBody('user=zip')), { 'content-encoding': 'gzip' }));
    assert.equal((gzipped.body as { identifiers: string }).identifiers, '{"user":"zip"}');
    assert.equal((await call(`${url}/_anycable/connect`, post(connectBody(), { 'content-type': 'Application/JSON; charset="UTF-8"' }))).status, 200);
    assert.equal((await call(`${url}/_anycable/connect`, post(''))).status, 200);
  } finally {
    await app.close();
  }
});

test('past the bound of calls in flight: 503, and the call in flight still gets its answer', async () => {
  const { app, url } = await startApp();
  try {
    const held = call(`${url}/_anycable/connect`, post(connectBody('hold&user=first')));
    // The held call is in flight once its Connect reached the connection.
    while ((await call(`${url}/_anycable/connect`, post(connectBody()))).status !== 503) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual((await call(`${url}/_anycable/connect`, post(connectBody()))).body, { statusCode: 503, message: 'more than 1 RPC calls in flight; retry later' });
    release();
    assert.equal(((await held).body as { identifiers: string }).identifiers, '{"user":"first"}');
  } finally {
    await app.close();
  }
});
