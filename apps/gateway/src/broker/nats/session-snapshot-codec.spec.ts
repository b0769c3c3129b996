import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionSnapshot } from '../broker.js';
import { parseSnapshot } from './session-snapshot-codec.js';

const snapshot: SessionSnapshot = {
  identifiers: '{"user":"u1"}',
  cstate: { k: 'v' },
  subscriptions: [{ identifier: '{"channel":"A"}', istate: null, streams: ['a', 'b'] }],
  authenticatedBy: 'rpc',
  subscribedOverRpc: true,
};

test('a stored snapshot reads back as it was written', () => {
  assert.deepEqual(parseSnapshot(JSON.stringify(snapshot)), snapshot);
  assert.deepEqual(parseSnapshot(JSON.stringify({ ...snapshot, cstate: null, authenticatedBy: 'jwt', subscriptions: [] })), { ...snapshot, cstate: null, authenticatedBy: 'jwt', subscriptions: [] });
});

test('anything else is not restored', () => {
  for (const bad of ['not json', '1', 'null', '[]', JSON.stringify({ ...snapshot, identifiers: 1 }), JSON.stringify({ ...snapshot, authenticatedBy: 'x' }),
    JSON.stringify({ ...snapshot, cstate: { k: 1 } }), JSON.stringify({ ...snapshot, subscriptions: [{ identifier: 'a', istate: null, streams: [1] }] }),
    JSON.stringify({ ...snapshot, subscribedOverRpc: 'yes' })]) {
    assert.equal(parseSnapshot(bad), null, bad);
  }
});
