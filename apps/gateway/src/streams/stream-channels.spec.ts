import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { signStreamName, verifySignedStreamName } from '#libs/protocol';
import { StreamChannels } from './stream-channels.js';

const SECRET = 'streams-secret';

test('signing follows anycable-go: standard base64 of the JSON string, "--", hex HMAC-SHA256 of that text', () => {
  // docs/signed_streams.md "Signing algorithm", written out independently of signStreamName.
  const encoded = Buffer.from(JSON.stringify('chat/2024')).toString('base64');
  const expected = `${encoded}--${createHmac('sha256', SECRET).update(encoded).digest('hex')}`;
  assert.equal(signStreamName('chat/2024', SECRET), expected);
  assert.deepEqual(verifySignedStreamName(expected, SECRET), { ok: true, stream: 'chat/2024' });
});

test('both base64 alphabets verify; a tampered name, a wrong secret, a non-string value do not', () => {
  // A name whose standard base64 contains "+" and "/" (anycable-rb 1.6.4 signs it URL-safe: "-" and "_").
  const stream = 'x>>>?~~~';
  const standard = Buffer.from(JSON.stringify(stream)).toString('base64');
  assert.match(standard, /[+/]/);
  const urlSafe = standard.replace(/\+/g, '-').replace(/\//g, '_');
  const signedUrlSafe = `${urlSafe}--${createHmac('sha256', SECRET).update(urlSafe).digest('hex')}`;
  assert.deepEqual(verifySignedStreamName(signedUrlSafe, SECRET), { ok: true, stream });
  assert.deepEqual(verifySignedStreamName(signStreamName(stream, SECRET), SECRET), { ok: true, stream });

  const signed = signStreamName('chat/1', SECRET);
  const tampered = signed.replace(/^./, (c) => (c === 'I' ? 'J' : 'I'));
  assert.deepEqual(verifySignedStreamName(tampered, SECRET), { ok: false, error: 'bad_signature' });
  assert.deepEqual(verifySignedStreamName(signed, 'other'), { ok: false, error: 'bad_signature' });
  assert.deepEqual(verifySignedStreamName('no-separator', SECRET), { ok: false, error: 'malformed' });
  assert.deepEqual(verifySignedStreamName(`${signed}x`, SECRET), { ok: false, error: 'malformed' });
  const number = Buffer.from('42').toString('base64');
  assert.deepEqual(verifySignedStreamName(`${number}--${createHmac('sha256', SECRET).update(number).digest('hex')}`, SECRET), { ok: false, error: 'not_a_string' });
});

test('$pubsub routing: signed, public only with public_streams, whisper only with streams_whisper or public', () => {
  const off = new StreamChannels({ secret: SECRET, publicStreams: false, whisper: false, presence: false, turboSecret: null, cableReadySecret: null });
  const signedId = JSON.stringify({ channel: '$pubsub', signed_stream_name: signStreamName('posts:1', SECRET) });
  assert.deepEqual(off.resolve(signedId), { kind: 'confirm', stream: 'posts:1', whisper: false, presence: false });
  assert.equal(off.resolve(JSON.stringify({ channel: '$pubsub', stream_name: 'open' })).kind, 'reject');
  assert.equal(off.resolve(JSON.stringify({ channel: '$pubsub' })).kind, 'reject');
  assert.equal(off.resolve(JSON.stringify({ channel: '$pubsub', signed_stream_name: signStreamName('posts:1', 'other') })).kind, 'reject');
  assert.deepEqual(off.resolve('{"channel":"comments","post_id":"1"}'), { kind: 'rpc' });
  assert.deepEqual(off.resolve(JSON.stringify({ channel: 'Turbo::StreamsChannel', signed_stream_name: 'x' })), { kind: 'rpc' });

  const open = new StreamChannels({ secret: '', publicStreams: true, whisper: true, presence: true, turboSecret: 'turbo', cableReadySecret: null });
  assert.deepEqual(open.resolve(JSON.stringify({ channel: '$pubsub', stream_name: 'open' })), { kind: 'confirm', stream: 'open', whisper: true, presence: true });
  assert.equal(open.resolve(signedId).kind, 'reject', 'no streams secret: signed names are refused');
  const turboId = JSON.stringify({ channel: 'Turbo::StreamsChannel', signed_stream_name: signStreamName('gid://app/Post/1:comments', 'turbo') });
  assert.deepEqual(open.resolve(turboId), { kind: 'confirm', stream: 'gid://app/Post/1:comments', whisper: false, presence: false });

  // CableReady::Stream carries its signed name in `identifier` (cable_ready's stream_from helper).
  const cableReady = new StreamChannels({ secret: SECRET, publicStreams: false, whisper: false, presence: true, turboSecret: null, cableReadySecret: 'cr' });
  const crId = JSON.stringify({ channel: 'CableReady::Stream', identifier: signStreamName('room:1', 'cr') });
  assert.deepEqual(cableReady.resolve(crId), { kind: 'confirm', stream: 'room:1', whisper: false, presence: false });
  assert.equal(cableReady.resolve(JSON.stringify({ channel: 'CableReady::Stream', identifier: signStreamName('room:1', SECRET) })).kind, 'reject');
});
