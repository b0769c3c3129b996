import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientCommand } from './client-command.decoder.js';
import {
  broadcastPrefixOf,
  encodeBroadcast,
  encodeDisconnect,
  encodeHistoryReply,
  encodePing,
  encodeRestoredWelcome,
  encodeStreamMessage,
  messageJsonOf,
  withSessionId,
} from './server-frame.encoder.js';
import { chooseSubprotocol } from './subprotocol.js';

test('valid commands decode with identifier and data verbatim', () => {
  const identifier = '{"x":1,"channel":"A"}';
  assert.deepEqual(decodeClientCommand(JSON.stringify({ command: 'subscribe', identifier })), {
    ok: true,
    command: { command: 'subscribe', identifier },
  });
  assert.deepEqual(decodeClientCommand(JSON.stringify({ command: 'message', identifier, data: '{"action":"speak"}' })), {
    ok: true,
    command: { command: 'message', identifier, data: '{"action":"speak"}' },
  });
  assert.deepEqual(decodeClientCommand('{"command":"pong"}'), { ok: true, command: { command: 'pong' } });
  assert.equal(decodeClientCommand(JSON.stringify({ command: 'history', identifier, history: { since: 1 } })).ok, true);
  assert.deepEqual(decodeClientCommand(JSON.stringify({ command: 'subscribe', identifier, history: { since: 5 } })), {
    ok: true,
    command: { command: 'subscribe', identifier, history: { since: 5 } },
  });
  assert.equal(decodeClientCommand(JSON.stringify({ command: 'whisper', identifier, data: { typing: true } })).ok, true);
});

test('malformed frames are refused with a reason, never thrown', () => {
  const cases: Array<[string, RegExp]> = [
    ['not json', /not JSON/],
    ['', /not JSON/],
    ['[1,2]', /not a JSON object/],
    ['null', /not a JSON object/],
    ['"subscribe"', /not a JSON object/],
    ['42', /not a JSON object/],
    ['{}', /missing "command"/],
    ['{"command":7}', /missing "command"/],
    ['{"command":"subscribe"}', /identifier/],
    ['{"command":"subscribe","identifier":{"channel":"A"}}', /non-string "identifier"/],
    ['{"command":"subscribe","identifier":""}', /identifier/],
    ['{"command":"message","identifier":"x","data":{"action":"a"}}', /"data" must be a string/],
    ['{"command":"message","identifier":"x"}', /"data" must be a string/],
    ['{"command":"history","identifier":"x","history":3}', /must be an object/],
    ['{"command":"whisper","identifier":"x"}', /missing "data"/],
    ['{"command":"explode","identifier":"x"}', /unknown command "explode"/],
    ['{"__proto__":{"command":"subscribe"},"identifier":"x"}', /missing "command"/],
  ];
  for (const [text, error] of cases) {
    const decoded = decodeClientCommand(text);
    assert.equal(decoded.ok, false, text);
    assert.match((decoded as { error: string }).error, error, text);
  }
});

test('server frames are the exact JSON the clients expect', () => {
  assert.equal(encodePing(1_795_284_427_999, 's'), '{"type":"ping","message":1795284427}');
  assert.equal(encodePing(1_795_284_427_999, 'ms'), '{"type":"ping","message":1795284427999}');
  assert.equal(encodeDisconnect('server_restart', true), '{"type":"disconnect","reason":"server_restart","reconnect":true}');
  assert.equal(encodeHistoryReply('{"channel":"A"}', false), '{"type":"reject_history","identifier":"{\\"channel\\":\\"A\\"}"}');
  const frame = encodeBroadcast(broadcastPrefixOf('{"channel":"A"}'), messageJsonOf('{"text":"hi"}'));
  assert.deepEqual(JSON.parse(frame), { identifier: '{"channel":"A"}', message: { text: 'hi' } });
  assert.deepEqual(JSON.parse(encodeBroadcast(broadcastPrefixOf('x'), messageJsonOf('plain text'))), { identifier: 'x', message: 'plain text' });
  assert.deepEqual(JSON.parse(encodeBroadcast(broadcastPrefixOf('x'), messageJsonOf('42'))), { identifier: 'x', message: 42 });
  assert.equal(
    encodeStreamMessage(broadcastPrefixOf('x'), messageJsonOf('{"a":1}'), 's:1', { epoch: 'ab', offset: 3 }),
    '{"identifier":"x","message":{"a":1},"stream_id":"s:1","epoch":"ab","offset":3}',
  );
});

test('ext welcome gets the sid; other transmissions are untouched', () => {
  assert.deepEqual(JSON.parse(withSessionId('{"type":"welcome"}', 'abc')), { type: 'welcome', sid: 'abc', restored: false });
  const other = '{"identifier":"welcome","type":"confirm_subscription"}';
  assert.equal(withSessionId(other, 'abc'), other);
  assert.equal(withSessionId('welcome?', 'abc'), 'welcome?');
  assert.equal(encodeRestoredWelcome('new', ['{"channel":"A"}']), '{"type":"welcome","sid":"new","restored":true,"restored_ids":["{\\"channel\\":\\"A\\"}"]}');
});

test('sub-protocol choice: first supported offered, else none', () => {
  assert.equal(chooseSubprotocol(['actioncable-v1-json', 'actioncable-unsupported']), 'actioncable-v1-json');
  assert.equal(chooseSubprotocol(['actioncable-v1-msgpack', 'actioncable-v1-ext-json']), 'actioncable-v1-ext-json');
  assert.equal(chooseSubprotocol(['foo', 'bar']), false);
  assert.equal(chooseSubprotocol([]), false);
});
