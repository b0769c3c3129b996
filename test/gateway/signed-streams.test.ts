/**
 * Connections and subscriptions without RPC (anycable-go 1.6.0 behaviour, see
 * /work/shared/spec/no-rpc-and-reliability.md): JWT identification, `$pubsub` signed and public
 * streams, `noauth` / `public`. The RPC address points at a port where nothing listens: any RPC call
 * would fail, so what works here works with the RPC app stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHmac } from 'node:crypto';
import { createCable } from '@anycable/web';
import jsonwebtoken from 'jsonwebtoken';
import { WebSocket } from 'ws';
import { deriveBroadcastKey, signStreamName } from '#libs/protocol';
import { RawCableClient, createRailsConsumer, railsSubscribe } from '../support/cable-clients.js';
import { EXT, presenceEvents } from '../support/presence-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { freePort, waitFor } from '../support/ports.js';

const SECRET = 'no-rpc-application-secret';
/** The app's `config.turbo.signed_stream_verifier_key`, given to the gateway as turbo_streams_secret. */
const TURBO_KEY = 'turbo-verifier-key';

/**
 * What `Turbo::StreamsChannel.signed_stream_name([post, :comments])` returns, reproduced from Rails:
 * - hotwired/turbo-rails lib/turbo-rails.rb: `Turbo.signed_stream_verifier` is
 *   `ActiveSupport::MessageVerifier.new(signed_stream_verifier_key, digest: "SHA256", serializer: JSON)`,
 *   and app/channels/turbo/streams/stream_name.rb signs `streamables.map(&:to_gid_param || to_param).join(":")`;
 * - rails/rails activesupport/lib/active_support/message_verifier.rb (7.1+): `generate` serialises the
 *   value (JSON: `"name"` with quotes, no metadata envelope without purpose/expiry), encodes it with
 *   `Base64.strict_encode64` (not url_safe by default), and `sign_encoded` appends `"--"` and
 *   `OpenSSL::HMAC.hexdigest("SHA256", secret, encoded)`.
 */
function railsTurboSignedStreamName(streamables: string[], verifierKey: string): string {
  const encoded = Buffer.from(JSON.stringify(streamables.join(':')), 'utf8').toString('base64');
  return `${encoded}--${createHmac('sha256', verifierKey).update(encoded).digest('hex')}`;
}
/** anycable-rails / anycable-serverless-js token: HS256, identifiers as a JSON string in `ext`, `exp`. */
const tokenFor = (identifiers: object, ttlSeconds = 60, secret = SECRET): string =>
  jsonwebtoken.sign({ ext: JSON.stringify(identifiers) }, secret, { algorithm: 'HS256', expiresIn: ttlSeconds });

describe('no RPC: JWT identification and $pubsub streams (RPC app stopped)', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  let gateway: GatewayProcess;
  before(async () => {
    gateway = await startGateway({
      ANYCABLE_SECRET: SECRET,
      ANYCABLE_TURBO_STREAMS: 'true',
      ANYCABLE_TURBO_STREAMS_SECRET: TURBO_KEY,
      ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}`, ANYCABLE_RPC_REQUEST_TIMEOUT: '500' });
    cleanups.push(() => gateway.stop('SIGKILL'));
  });
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const broadcast = (stream: string, data: unknown): Promise<void> =>
    gateway.publish({ stream, data: JSON.stringify(data) }, { authorization: `Bearer ${deriveBroadcastKey(SECRET)}`, 'content-type': 'application/json' });
  const raw = async (query: string, options?: Parameters<typeof RawCableClient.connect>[1]): Promise<RawCableClient> => {
    const client = await RawCableClient.connect(`${gateway.url()}${query}`, options);
    cleanups.push(() => client.close());
    return client;
  };
  const anycable = (token: string, strategy: 'sub-protocol' | 'header' = 'sub-protocol') => {
    const cable = createCable(gateway.url(), {
      protocol: 'actioncable-v1-ext-json',
      websocketImplementation: WebSocket,
      websocketAuthStrategy: strategy,
      auth: { token },
      logLevel: 'error',
      monitor: false,
    });
    cleanups.push(() => cable.disconnect());
    return cable;
  };

  test('@anycable/web with a JWT (anycable-token sub-protocol) follows a signed stream and receives its broadcasts', async () => {
    const cable = anycable(tokenFor({ user: 'ann' }));
    const channel = cable.streamFromSigned(signStreamName('posts:7:comments', SECRET));
    const received: unknown[] = [];
    channel.on('message', (message: unknown) => received.push(message));
    await channel.ensureSubscribed();
    assert.equal(cable.state, 'connected');
    assert.equal(channel.state, 'connected');
    await broadcast('posts:7:comments', { body: 'first' });
    await waitFor(() => received.length === 1, `the broadcast; got ${JSON.stringify(received)}`);
    assert.deepEqual(received, [{ body: 'first' }]);
    const health = await gateway.health();
    assert.equal(health.rpc_inflight_num + health.rpc_pending_num, 0);
  });

  test('an expired token: token_expired, close 1000, the client stays closed', async () => {
    const expired = jsonwebtoken.sign({ ext: '{"user":"old"}', exp: Math.floor(Date.now() / 1000) - 5 }, SECRET);
    const client = await raw(`?jid=${expired}`);
    assert.equal((await client.closed).code, 1000);
    assert.deepEqual(client.frames, [{ type: 'disconnect', reason: 'token_expired', reconnect: false }]);
    // Expired wins over a wrong signature (golang-jwt reports both; anycable-go checks expiry first).
    const expiredForged = jsonwebtoken.sign({ ext: '{}', exp: Math.floor(Date.now() / 1000) - 5 }, 'wrong');
    const forgedClient = await raw(`?jid=${expiredForged}`);
    await forgedClient.closed;
    assert.deepEqual(forgedClient.frames, [{ type: 'disconnect', reason: 'token_expired', reconnect: false }]);

    const cable = anycable(expired, 'header');
    await assert.rejects(cable.connect(), (error: Error & { reason?: string }) => error.reason === 'token_expired');
    assert.equal(cable.state, 'closed');
  });

  test('a forged token, alg none, iat in the future: unauthorized; no ext: 1011 with no frame', async () => {
    const forged = tokenFor({ user: 'eve' }, 60, 'not-the-secret');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"ext":"{}"}').toString('base64url')}.`;
    const future = jsonwebtoken.sign({ ext: '{}', iat: Math.floor(Date.now() / 1000) + 600 }, SECRET);
    for (const token of [forged, unsigned, future]) {
      const client = await raw('', { headers: { 'x-jid': token } });
      assert.equal((await client.closed).code, 1000);
      assert.deepEqual(client.frames, [{ type: 'disconnect', reason: 'unauthorized', reconnect: false }]);
    }
    const noExt = await raw(`?jid=${jsonwebtoken.sign({ sub: 'x' }, SECRET)}`);
    assert.equal((await noExt.closed).code, 1011);
    assert.deepEqual(noExt.frames, []);

    const cable = anycable(forged);
    await assert.rejects(cable.connect(), (error: Error & { reason?: string }) => error.reason === 'unauthorized');
    assert.equal(cable.state, 'closed');
  });

  test('a tampered stream signature and a public stream with public streams off: reject_subscription, the connection stays up', async () => {
    const client = await raw(`?jid=${tokenFor({ user: 'bob' })}`);
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', 'welcome');
    const signed = signStreamName('posts:7:comments', SECRET);
    const tampered = `${signed.slice(0, -1)}${signed.endsWith('0') ? '1' : '0'}`;
    const tamperedId = JSON.stringify({ channel: '$pubsub', signed_stream_name: tampered });
    const publicId = JSON.stringify({ channel: '$pubsub', stream_name: 'posts:7:comments' });
    client.subscribe(tamperedId);
    client.subscribe(publicId);
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.identifier === publicId, 'the public stream answer');
    assert.deepEqual(client.messages.slice(1), [
      { identifier: tamperedId, type: 'reject_subscription' },
      { identifier: publicId, type: 'reject_subscription' },
    ]);
    await broadcast('posts:7:comments', { body: 'not for you' });
    await sleep(200);
    assert.equal(client.messagesFor(tamperedId).length + client.messagesFor(publicId).length, 0);
    assert.equal(client.ws.readyState, WebSocket.OPEN);

    const cable = anycable(tokenFor({ user: 'bob' }));
    const channel = cable.streamFromSigned(tampered);
    await assert.rejects(channel.ensureSubscribed());
    assert.equal(cable.state, 'connected');
  });

  test('Turbo Streams: @rails/actioncable subscribes Turbo::StreamsChannel with a name signed the Rails way, no RPC', async () => {
    const gid = 'Z2lkOi8vYXBwL1Bvc3QvNw';
    const signed = railsTurboSignedStreamName([gid, 'comments'], TURBO_KEY);
    const consumer = createRailsConsumer(`${gateway.url()}?jid=${tokenFor({ user: 'turbo' })}`);
    cleanups.push(() => consumer.disconnect());
    const turbo = railsSubscribe(consumer, { channel: 'Turbo::StreamsChannel', signed_stream_name: signed });
    await turbo.waitForEvent('connected');
    // turbo-rails broadcasts a <turbo-stream> element as a plain string.
    const html = '<turbo-stream action="append" target="comments"><template><p>hi</p></template></turbo-stream>';
    await gateway.publish({ stream: `${gid}:comments`, data: JSON.stringify(html) }, { authorization: `Bearer ${deriveBroadcastKey(SECRET)}` });
    assert.deepEqual(await turbo.waitForMessages(1), [html]);
    // Signed with the streams secret instead of the Turbo key: rejected.
    const wrongKey = railsTurboSignedStreamName([gid, 'comments'], SECRET);
    const rejected = railsSubscribe(consumer, { channel: 'Turbo::StreamsChannel', signed_stream_name: wrongKey });
    await rejected.waitForEvent('rejected');
  });

  test('unsubscribe sends no frame and stops the broadcasts; the identifier is echoed verbatim', async () => {
    const client = await raw(`?jid=${tokenFor({ user: 'cy' })}`);
    await client.waitForFrame((frame) => typeof frame === 'object' && frame.type === 'welcome', 'welcome');
    // Key order and spacing of the client's identifier are kept in every frame.
    const identifier = `{ "signed_stream_name": ${JSON.stringify(signStreamName('room:1', SECRET))}, "channel": "$pubsub" }`;
    client.subscribe(identifier);
    await client.waitForConfirm(identifier);
    await broadcast('room:1', { n: 1 });
    await client.waitForMessages(identifier, 1);
    client.send({ command: 'unsubscribe', identifier });
    await sleep(150);
    const before = client.messages.length;
    await broadcast('room:1', { n: 2 });
    await sleep(200);
    assert.equal(client.messages.length, before, `no frame after unsubscribe: ${JSON.stringify(client.messages.slice(before))}`);
  });
});

describe('noauth and public modes', () => {
  const cleanups: Array<() => Promise<unknown> | void> = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  test('public: no Connect (identifiers {"sid"}), public streams, keyless HTTP broadcasts, whisper on public streams', async () => {
    const gateway = await startGateway({ ANYCABLE_PUBLIC: 'true', ANYCABLE_SECRET: SECRET, ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}` });
    cleanups.push(() => gateway.stop('SIGKILL'));
    const [alice, bob] = await Promise.all([RawCableClient.welcomed(gateway.url()), RawCableClient.welcomed(gateway.url())]);
    cleanups.push(() => alice.close(), () => bob.close());
    assert.match(String((alice.frames[0] as { sid?: unknown }).sid), /\S+/);
    const identifier = JSON.stringify({ channel: '$pubsub', stream_name: 'lobby' });
    for (const client of [alice, bob]) client.subscribe(identifier);
    await Promise.all([alice.waitForConfirm(identifier), bob.waitForConfirm(identifier)]);
    await gateway.publish({ stream: 'lobby', data: '"hello"' });
    await Promise.all([alice.waitForMessages(identifier, 1), bob.waitForMessages(identifier, 1)]);
    alice.send({ command: 'whisper', identifier, data: { typing: 'alice' } });
    await bob.waitForMessages(identifier, 2);
    assert.deepEqual(bob.messagesFor(identifier), ['hello', { typing: 'alice' }]);
    await sleep(150);
    assert.deepEqual(alice.messagesFor(identifier), ['hello'], 'a whisper never reaches its sender');
  });

  test('streams_presence (on by default, as anycable-go): presence join on a signed stream reaches its subscribers, no RPC', async () => {
    const gateway = await startGateway({ ANYCABLE_SECRET: SECRET, ANYCABLE_BROKER: 'memory', ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}` });
    cleanups.push(() => gateway.stop('SIGKILL'));
    const token = tokenFor({ user: 'p' });
    const [alice, bob] = await Promise.all([
      RawCableClient.welcomed(`${gateway.url()}?jid=${token}`, { protocols: EXT }),
      RawCableClient.welcomed(`${gateway.url()}?jid=${token}`, { protocols: EXT }),
    ]);
    cleanups.push(() => alice.close(), () => bob.close());
    const identifier = JSON.stringify({ channel: '$pubsub', signed_stream_name: signStreamName('doc:presence', SECRET) });
    for (const client of [alice, bob]) client.subscribe(identifier);
    await Promise.all([alice.waitForConfirm(identifier), bob.waitForConfirm(identifier)]);
    alice.send({ command: 'join', identifier, presence: { id: 'alice', info: { name: 'Alice' } } });
    await waitFor(() => presenceEvents(bob, identifier).length >= 1 || null, 'the join on bob');
    assert.deepEqual(presenceEvents(bob, identifier), [{ type: 'join', id: 'alice', info: { name: 'Alice' } }]);
  });

  test('noauth with JWT: a token still identifies, no token gets public identifiers; signed streams without streams_whisper do not whisper', async () => {
    const gateway = await startGateway({ ANYCABLE_NOAUTH: 'true', ANYCABLE_SECRET: SECRET, ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}` });
    cleanups.push(() => gateway.stop('SIGKILL'));
    const anonymous = await RawCableClient.welcomed(gateway.url());
    const forged = await RawCableClient.connect(`${gateway.url()}?jid=${tokenFor({ u: 1 }, 60, 'wrong')}`);
    cleanups.push(() => anonymous.close(), () => forged.close());
    await forged.closed;
    assert.deepEqual(forged.frames, [{ type: 'disconnect', reason: 'unauthorized', reconnect: false }]);
    const identified = await RawCableClient.welcomed(`${gateway.url()}?jid=${tokenFor({ u: 1 })}`);
    cleanups.push(() => identified.close());
    const identifier = JSON.stringify({ channel: '$pubsub', signed_stream_name: signStreamName('secret-room', SECRET) });
    for (const client of [anonymous, identified]) client.subscribe(identifier);
    await Promise.all([anonymous.waitForConfirm(identifier), identified.waitForConfirm(identifier)]);
    anonymous.send({ command: 'whisper', identifier, data: { typing: true } });
    await sleep(200);
    assert.deepEqual(identified.messagesFor(identifier), [], 'whisper on a signed stream needs streams_whisper');
  });
});
