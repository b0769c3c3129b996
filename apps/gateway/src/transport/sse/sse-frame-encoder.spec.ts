import { test } from 'node:test';
import assert from 'node:assert/strict';
import { broadcastPrefixOf } from '../../protocol/server-frame.encoder.js';
import { positionOfEventId, sseEncoderFor } from './sse-frame-encoder.js';
import { subscriptionFromQuery, subscriptionsFromBody } from './sse-request.js';

const text = (bytes: Buffer | null): string | null => bytes?.toString() ?? null;
const get = sseEncoderFor('GET', false, false);
const raw = sseEncoderFor('GET', true, false);
const post = sseEncoderFor('POST', false, false);

test('typed frames are events carrying the whole frame; raw=1 drops them', () => {
  assert.equal(text(get.encodeFrame('{"type":"welcome","sid":"s1"}')), 'event: welcome\ndata: {"type":"welcome","sid":"s1"}\n\n');
  assert.equal(text(raw.encodeFrame('{"type":"ping","message":1}')), null);
  assert.equal(
    text(get.encodeFrame('{"type":"disconnect","reason":"unauthorized","reconnect":false}')),
    'event: disconnect\ndata: {"type":"disconnect","reason":"unauthorized","reconnect":false}\nretry: 31536000000\n\n',
    'no reconnect: EventSource is told to wait a year',
  );
  assert.equal(text(get.encodeFrame('{"type":"disconnect","reason":"server_restart","reconnect":true}'))?.includes('retry:'), false);
});

test('messages: GET sends the message alone (a string as raw text), POST the whole frame; a stored one has its id', () => {
  const frame = '{"identifier":"{\\"channel\\":\\"A\\"}","message":"hi\\nthere","stream_id":"s/1","epoch":"e","offset":4}';
  assert.equal(text(get.encodeFrame(frame)), 'data: hi\ndata: there\nid: 4/e/s/1\n\n');
  assert.equal(text(raw.encodeFrame(frame)), 'data: hi\ndata: there\nid: 4/e/s/1\n\n', 'raw keeps data messages');
  assert.equal(text(post.encodeFrame(frame)), `data: ${frame}\nid: 4/e/s/1\n\n`);
  const parts = { prefix: broadcastPrefixOf('id'), messageJson: '{"n":1}', stream: 'feed', position: { epoch: 'ep', offset: 2 } };
  assert.equal(text(get.encodeBroadcast(parts)), 'data: {"n":1}\nid: 2/ep/feed\n\n');
  assert.equal(text(get.encodeBroadcast({ ...parts, messageJson: '"a string"', position: null })), 'data: a string\n\n');
  assert.equal(
    text(post.encodeBroadcast(parts)),
    'data: {"identifier":"id","message":{"n":1},"stream_id":"feed","epoch":"ep","offset":2}\nid: 2/ep/feed\n\n',
  );
  const presence = { prefix: broadcastPrefixOf('id', 'presence'), messageJson: '{"type":"join","id":"u1"}', stream: 'p', position: null, type: 'presence' };
  assert.equal(text(get.encodeBroadcast(presence)), 'event: presence\ndata: {"type":"presence","identifier":"id","message":{"type":"join","id":"u1"}}\n\n');
  assert.equal(text(raw.encodeBroadcast(presence)), null, 'raw=1: no presence events');
  assert.equal(text(get.encodeFrame('not json')), 'data: not json\n\n', 'an odd transmission is passed on, not lost');
});

test('HTTP/1.1: each event is one whole chunk (hex byte length, CRLF, event, CRLF)', () => {
  const chunked = sseEncoderFor('GET', false, true);
  const event = 'event: welcome\ndata: {"type":"welcome","n":"é"}\n\n';
  assert.equal(text(chunked.encodeFrame('{"type":"welcome","n":"é"}')), `${Buffer.byteLength(event).toString(16)}\r\n${event}\r\n`);
  assert.equal(text(sseEncoderFor('GET', true, true).encodeFrame('{"type":"ping"}')), null);
});

test('event ids: <offset>/<epoch>/<stream>, the stream may hold slashes; a non-numeric offset is malformed', () => {
  assert.deepEqual(positionOfEventId('12/ep/chat/1'), { offset: 12, epoch: 'ep', stream: 'chat/1' });
  assert.equal(positionOfEventId('x/ep/chat'), 'malformed');
  assert.equal(positionOfEventId('12/ep'), null, 'fewer than three parts: ignored, as anycable-go does');
});

test('the subscription of a GET request: identifier, channel, stream, signed_stream, turbo_signed_stream_name; history', () => {
  const of = (query: string, lastEventId?: string) => subscriptionFromQuery(new URLSearchParams(query), lastEventId);
  assert.deepEqual(of('channel=Chat&stream=x'), { ok: true, commands: [{ command: 'subscribe', identifier: '{"channel":"Chat"}' }] });
  assert.deepEqual(of('stream=x'), { ok: true, commands: [{ command: 'subscribe', identifier: '{"channel":"$pubsub","stream_name":"x"}' }] });
  assert.deepEqual(of('signed_stream=abc--01'), { ok: true, commands: [{ command: 'subscribe', identifier: '{"channel":"$pubsub","signed_stream_name":"abc--01"}' }] });
  assert.deepEqual(of('turbo_signed_stream_name=t--02'), {
    ok: true,
    commands: [{ command: 'subscribe', identifier: '{"channel":"Turbo::StreamsChannel","signed_stream_name":"t--02"}' }],
  });
  assert.deepEqual(of('identifier=%7B%22channel%22%3A%22X%22%7D&history_since=100', '3/ep/feed'), {
    ok: true,
    commands: [{ command: 'subscribe', identifier: '{"channel":"X"}', history: { since: 100, streams: { feed: { epoch: 'ep', offset: 3 } } } }],
  });
  assert.equal(of('').ok, false);
  assert.equal(of('channel=A&history_since=yesterday').ok, false);
  assert.equal(of('channel=A', 'x/y/z').ok, false);
});

test('the subscriptions of a POST request: subscribe commands in JSON lines, nothing else', () => {
  assert.deepEqual(subscriptionsFromBody('{"command":"subscribe","identifier":"a"}\n\n{"command":"subscribe","identifier":"b"}\n'), {
    ok: true,
    commands: [
      { command: 'subscribe', identifier: 'a' },
      { command: 'subscribe', identifier: 'b' },
    ],
  });
  assert.deepEqual(subscriptionsFromBody(''), { ok: true, commands: [] });
  assert.equal(subscriptionsFromBody('{"command":"unsubscribe","identifier":"a"}').ok, false);
  assert.equal(subscriptionsFromBody('{oops').ok, false);
});
