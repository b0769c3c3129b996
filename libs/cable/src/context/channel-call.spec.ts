import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PersistedState } from '../state/persisted-state.js';
import { readCableRequest } from './cable-request.js';
import { ChannelCall } from './channel-call.js';

function call(): ChannelCall {
  return new ChannelCall({
    sid: 's',
    identifier: '{"channel":"c"}',
    channel: 'c',
    params: {},
    identifiers: {},
    state: PersistedState.fromStringMap({}),
    connectionState: PersistedState.fromStringMap({}),
    request: readCableRequest(undefined),
  });
}

test('streamFrom then stopStreamFrom of the same stream: not followed, stopped', () => {
  const ctx = call();
  ctx.streamFrom('a');
  ctx.streamFrom('b');
  ctx.stopStreamFrom('a');
  assert.deepEqual([...ctx.streams], ['b']);
  assert.deepEqual([...ctx.stoppedStreams], ['a']);
});

test('stopAllStreams drops what was asked before it; streamFrom after it still follows', () => {
  const ctx = call();
  ctx.streamFrom('a');
  ctx.stopStreamFrom('b');
  ctx.stopAllStreams();
  ctx.streamFrom('c');
  assert.equal(ctx.stopAll, true);
  assert.deepEqual([...ctx.streams], ['c']);
  assert.deepEqual([...ctx.stoppedStreams], []);
});

test('transmit wraps the message with the identifier, in order', () => {
  const ctx = call();
  ctx.transmit({ a: 1 });
  ctx.transmit('two');
  assert.deepEqual(ctx.transmissions, ['{"identifier":"{\\"channel\\":\\"c\\"}","message":{"a":1}}', '{"identifier":"{\\"channel\\":\\"c\\"}","message":"two"}']);
});

test('stream names must be non-empty strings', () => {
  const ctx = call();
  assert.throws(() => ctx.streamFrom(''), /non-empty string/);
  assert.throws(() => ctx.stopStreamFrom(42 as never), /non-empty string/);
});
