import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterCookies, mergeState, requestEnvOf } from './request-env.js';
import { WS_ENCODER } from '../transport/ws-frame-encoders.js';
import { PingScheduler, type PingTarget } from './ping-scheduler.js';

test('request env keeps configured headers, filters cookies, adds REMOTE_ADDR', () => {
  const env = requestEnvOf(
    {
      url: 'http://example.com/cable?token=1',
      headers: { cookie: 'session=abc; tracking=x; _csrf=t', authorization: 'Bearer z', 'x-secret': 'no' },
      remoteAddress: '10.0.0.7',
    },
    ['cookie', 'authorization', 'origin'],
    ['session', '_csrf'],
  );
  assert.deepEqual(env, {
    url: 'http://example.com/cable?token=1',
    headers: { cookie: 'session=abc; _csrf=t', authorization: 'Bearer z', REMOTE_ADDR: '10.0.0.7' },
  });
  assert.equal(filterCookies('a=1;b=2; c=3', ['c', 'a']), 'a=1; c=3');
});

test('state merge: set, overwrite, delete with empty string, null when empty', () => {
  assert.deepEqual(mergeState(null, { a: '1' }), { a: '1' });
  assert.deepEqual(mergeState({ a: '1', b: '2' }, { a: '', b: '3', c: '4' }), { b: '3', c: '4' });
  assert.equal(mergeState({ a: '1' }, { a: '' }), null);
  const current = { a: '1' };
  assert.equal(mergeState(current, {}), current);
  assert.equal(mergeState(current, null), current);
});

test('pings are spread over slots, each target once per round, one shared frame per tick', () => {
  const scheduler = new PingScheduler(3000, 's', 3);
  const seen: Array<[string, Buffer | null]> = [];
  const target = (name: string): PingTarget => ({ pingSlot: -1, ping: (frame) => seen.push([name, frame.bytesFor(WS_ENCODER)]) });
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(target);
  for (const t of [a, b, c, d]) scheduler.add(t);
  assert.deepEqual([a, b, c, d].map((t) => t.pingSlot), [0, 1, 2, 0]);
  const now = 1_795_284_427_000;
  scheduler.tick(now);
  assert.deepEqual(seen.map(([name]) => name), ['a', 'd']);
  assert.equal(seen[0][1], seen[1][1], 'the very same Buffer object');
  assert.equal(seen[0][1]?.subarray(2).toString(), '{"type":"ping","message":1795284427}');
  scheduler.remove(b);
  scheduler.tick(now + 1000);
  scheduler.tick(now + 2000);
  assert.deepEqual(seen.map(([name]) => name), ['a', 'd', 'c']);
  assert.equal(scheduler.size, 3);
});
