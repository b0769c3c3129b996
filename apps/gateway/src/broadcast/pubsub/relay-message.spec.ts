import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBroadcast } from '#libs/protocol';
import { decodeRelayed, encodeRelayed, natsSubjectOf, relayPrefixOf } from './relay-message.js';

test('a relayed message decodes as the message itself and starts with its origin', () => {
  const publication = { stream: 'comments:post:1', data: '{"a":1}', meta: { exclude_socket: 's1' } };
  const relayed = encodeRelayed(publication, 'node-A');
  assert.ok(relayed.startsWith(relayPrefixOf('node-A')));
  assert.ok(!relayed.startsWith(relayPrefixOf('node-B')));
  assert.ok(!relayed.startsWith(relayPrefixOf('node')), 'a node id that is a prefix of another does not match it');
  assert.deepEqual(decodeBroadcast(relayed), { ok: true, messages: [publication] });
  const command = { command: 'disconnect' as const, payload: { identifier: '{"u":1}', reconnect: false } };
  assert.deepEqual(decodeBroadcast(encodeRelayed(command, 'node-A')), { ok: true, messages: [command] });
});

test('a registered publication is relayed with its epoch and offset, and read back with them (anycable-go spellings too)', () => {
  const publication = { stream: 's', data: '"x"' };
  const relayed = encodeRelayed(publication, 'node-A', { epoch: 'E1', offset: 7 });
  assert.deepEqual(JSON.parse(relayed), { origin: 'node-A', stream: 's', data: '"x"', epoch: 'E1', offset: 7 });
  assert.deepEqual(decodeRelayed(relayed), { ok: true, message: publication, position: { epoch: 'E1', offset: 7 } });
  assert.deepEqual(decodeRelayed(encodeRelayed(publication, 'node-A')), { ok: true, message: publication, position: null });
  assert.deepEqual(decodeRelayed('{"stream":"s","data":"\\"x\\"","Offset":42,"Epoch":"G"}'), { ok: true, message: publication, position: { epoch: 'G', offset: 42 } });
  for (const odd of ['{"stream":"s","data":"1","epoch":"","offset":1}', '{"stream":"s","data":"1","epoch":"E","offset":-1}', '{"stream":"s","data":"1","epoch":"E","offset":"1"}', '{"stream":"s","data":"1","Offset":0,"Epoch":""}']) {
    assert.equal((decodeRelayed(odd) as { position: unknown }).position, null, odd);
  }
  assert.equal(decodeRelayed('[{"stream":"a","data":"1"},{"stream":"b","data":"2"}]').ok, false, 'one message per relay');
  assert.equal(decodeRelayed('{"stream":1}').ok, false);
  assert.equal(decodeRelayed('nope').ok, false);
});

test('NATS subjects: literal stream names as they are, anything else encoded', () => {
  assert.equal(natsSubjectOf('comments:post:42'), 'comments:post:42');
  assert.equal(natsSubjectOf('a.b_c-d'), 'a.b_c-d');
  for (const stream of ['chat room', 'a.*', 'a.>', 'a..b', '.a', 'a.', '>', '__anycable_stream__.x']) {
    const subject = natsSubjectOf(stream);
    assert.match(subject, /^__anycable_stream__\.[A-Za-z0-9_-]+$/, stream);
    assert.equal(Buffer.from(subject.split('.')[1], 'base64url').toString(), stream);
  }
});
