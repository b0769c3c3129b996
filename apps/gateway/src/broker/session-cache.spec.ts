import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SessionSnapshot } from './broker.js';
import { SessionCache } from './session-cache.js';

const snapshot = (identifiers: string): SessionSnapshot => ({
  identifiers,
  cstate: { k: 'v' },
  subscriptions: [{ identifier: '{"channel":"A"}', istate: null, streams: ['a'] }],
  authenticatedBy: 'rpc',
  subscribedOverRpc: true,
});

test('a snapshot is restored once, within its TTL', () => {
  const clock = { now: 1_000 };
  const cache = new SessionCache({ ttlMs: 5_000, maxSessions: 10, now: () => clock.now });
  cache.store('s1', snapshot('u1'));
  cache.store('s2', snapshot('u2'));
  assert.equal(cache.take('s1')?.identifiers, 'u1');
  assert.equal(cache.take('s1'), null, 'taken');
  assert.equal(cache.take('unknown'), null);
  clock.now += 5_000;
  assert.equal(cache.take('s2'), null, 'expired');
  assert.equal(cache.size, 0);
});

test('at most maxSessions snapshots: the oldest is dropped', () => {
  const cache = new SessionCache({ ttlMs: 60_000, maxSessions: 2 });
  cache.store('a', snapshot('a'));
  cache.store('b', snapshot('b'));
  cache.store('c', snapshot('c'));
  assert.equal(cache.size, 2);
  assert.equal(cache.take('a'), null);
  assert.equal(cache.take('c')?.identifiers, 'c');
});
