/**
 * SSE without RPC (anycable-go 1.6.0): an EventSource client identified by a JWT follows a signed
 * stream, a public stream or a Turbo Streams signed name. The RPC address points at a port where
 * nothing listens, so anything that works here works with the RPC app stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { deriveBroadcastKey, signStreamName } from '#libs/protocol';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort } from '../support/ports.js';
import { SseStream } from '../support/sse-client.js';

const SECRET = 'sse-no-rpc-secret';
const TURBO_KEY = 'sse-turbo-verifier-key';
const token = (identifiers: object): string => jsonwebtoken.sign({ ext: JSON.stringify(identifiers) }, SECRET, { algorithm: 'HS256', expiresIn: 60 });
/**
 * `Turbo::StreamsChannel.signed_stream_name(...)` as Rails computes it (hotwired/turbo-rails
 * `Turbo.signed_stream_verifier`: ActiveSupport::MessageVerifier, SHA256, JSON serializer; rails
 * activesupport message_verifier.rb: strict base64 of the JSON value, "--", hex HMAC of that text).
 */
const turboSigned = (name: string): string => {
  const encoded = Buffer.from(JSON.stringify(name)).toString('base64');
  return `${encoded}--${createHmac('sha256', TURBO_KEY).update(encoded).digest('hex')}`;
};

describe('SSE without RPC: JWT + signed, public and Turbo streams (RPC app stopped)', () => {
  let gateway: GatewayProcess;
  const streams: SseStream[] = [];

  const events = async (params: Record<string, string>): Promise<SseStream> => {
    const stream = await SseStream.open(`http://127.0.0.1:${gateway.port}/events?${new URLSearchParams(params)}`);
    streams.push(stream);
    return stream;
  };
  const broadcast = (stream: string, data: object): Promise<void> =>
    gateway.publish({ stream, data: JSON.stringify(data) }, { authorization: `Bearer ${deriveBroadcastKey(SECRET)}` });

  before(async () => {
    gateway = await startGateway({
      ANYCABLE_SECRET: SECRET,
      ANYCABLE_PUBLIC_STREAMS: 'true',
      ANYCABLE_TURBO_STREAMS: 'true',
      ANYCABLE_TURBO_STREAMS_SECRET: TURBO_KEY,
      ANYCABLE_SSE: 'true',
      ANYCABLE_BROADCAST_ADAPTER: 'http',
      ANYCABLE_PUBSUB: 'none',
      ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}`,
      ANYCABLE_RPC_REQUEST_TIMEOUT: '500',
    });
  });

  after(async () => {
    for (const stream of streams) stream.close();
    await gateway?.stop('SIGKILL');
  });

  test('?jid= + ?signed_stream=: welcome, confirm_subscription, then the broadcasts, with no RPC', async () => {
    const signed = signStreamName('post:1:comments', SECRET);
    const stream = await events({ jid: token({ user: 'ann' }), signed_stream: signed });
    assert.equal(stream.status, 200);
    await stream.waitForEvents(1, 'confirm_subscription');
    const [welcome, confirmation] = stream.withoutPings;
    assert.equal(welcome.event, 'welcome');
    assert.match(welcome.data, /^\{"type":"welcome","sid":"[^"]+"\}$/, 'a JWT session is welcomed with its sid, as anycable-go does');
    assert.deepEqual(confirmation, {
      event: 'confirm_subscription',
      data: JSON.stringify({ identifier: JSON.stringify({ channel: '$pubsub', signed_stream_name: signed }), type: 'confirm_subscription' }),
      id: undefined,
      retry: undefined,
    });
    await broadcast('post:1:comments', { text: 'first!' });
    const [message] = await stream.waitForEvents(1, '');
    assert.equal(message.data, '{"text":"first!"}');
  });

  test('a tampered signature gets 400 with an empty body', async () => {
    const signed = signStreamName('post:1:comments', SECRET);
    const tampered = `${signed.slice(0, -1)}${signed.endsWith('0') ? '1' : '0'}`;
    const stream = await events({ jid: token({ user: 'mallory' }), signed_stream: tampered });
    assert.equal(stream.status, 400);
    await stream.waitForEnd();
    assert.equal(stream.text, '');
    const forged = await events({ jid: token({ user: 'mallory' }), signed_stream: signStreamName('post:1:comments', 'not the secret') });
    assert.equal(forged.status, 400);
  });

  test('?stream= follows a public stream (public_streams)', async () => {
    const stream = await events({ jid: token({ user: 'bob' }), stream: 'news' });
    assert.equal(stream.status, 200);
    await stream.waitForEvents(2);
    await broadcast('news', { headline: 'SSE works' });
    const [message] = await stream.waitForEvents(1, '');
    assert.equal(message.data, '{"headline":"SSE works"}');
  });

  test('?turbo_signed_stream_name= follows a Turbo Streams name signed the way Rails signs it', async () => {
    const stream = await events({ jid: token({ user: 'tess' }), turbo_signed_stream_name: turboSigned('gid://app/Post/1:comments') });
    assert.equal(stream.status, 200);
    await stream.waitForEvents(2);
    await broadcast('gid://app/Post/1:comments', { html: '<turbo-stream action="append"></turbo-stream>' });
    const [message] = await stream.waitForEvents(1, '');
    assert.equal(message.data, JSON.stringify({ html: '<turbo-stream action="append"></turbo-stream>' }));
    const bad = await events({ jid: token({ user: 'tess' }), turbo_signed_stream_name: signStreamName('gid://app/Post/1:comments', SECRET) });
    assert.equal(bad.status, 400, 'a name signed with another key is refused');
  });

  test('without a token the session needs Connect: with RPC down that is 400 (a dead RPC), as anycable-go answers', async () => {
    const stream = await events({ stream: 'news' });
    assert.equal(stream.status, 400);
    assert.equal(stream.text, '');
  });
});
