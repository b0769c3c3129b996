import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamHistory } from './stream-history.js';

function history(limit = 3, ttlMs = 10_000, maxStreams = 100) {
  const clock = { now: 1_000_000 };
  return { clock, history: new StreamHistory({ limit, ttlMs, maxStreams, now: () => clock.now }) };
}

test('offsets increase per stream under one epoch; reads after a position return the later messages in order', () => {
  const { history: h } = history();
  assert.deepEqual(h.append('a', 'a1'), { epoch: h.epoch, offset: 1 });
  assert.deepEqual(h.append('a', 'a2'), { epoch: h.epoch, offset: 2 });
  assert.deepEqual(h.append('b', 'b1'), { epoch: h.epoch, offset: 1 });
  h.append('a', 'a3');
  const read = h.after('a', { epoch: h.epoch, offset: 1 });
  assert.ok(read.ok);
  assert.deepEqual(read.entries.map((e) => [e.offset, e.data]), [[2, 'a2'], [3, 'a3']]);
  const latest = h.after('a', { epoch: h.epoch, offset: 3 });
  assert.ok(latest.ok && latest.entries.length === 0, 'nothing missed');
});

test('refused: another epoch, an unknown stream, an offset no longer kept or past the latest', () => {
  const { history: h } = history(2);
  for (const data of ['1', '2', '3']) h.append('a', data);
  assert.match((h.after('a', { epoch: 'other', offset: 1 }) as { error: string }).error, /unknown epoch/);
  assert.match((h.after('zz', { epoch: h.epoch, offset: 1 }) as { error: string }).error, /empty or unknown/);
  assert.match((h.after('a', { epoch: h.epoch, offset: 1 }) as { error: string }).error, /no longer kept/, 'limit 2 keeps offsets 2 and 3');
  assert.match((h.after('a', { epoch: h.epoch, offset: 9 }) as { error: string }).error, /past the latest/);
  for (const offset of [Number.NaN, 2.5, -1, Number('x')]) {
    assert.match((h.after('a', { epoch: h.epoch, offset }) as { error: string }).error, /bad offset/, String(offset));
  }
  assert.equal(new StreamHistory({ limit: 1, ttlMs: 1, maxStreams: 1 }).epoch === h.epoch, false, 'epoch is random per start');
});

test('messages expire after the TTL; since() selects by unix seconds', () => {
  const { history: h, clock } = history(10, 5_000);
  h.append('a', 'old');
  clock.now += 3_000;
  h.append('a', 'new');
  assert.deepEqual(h.since('a', Math.floor((clock.now - 1_000) / 1000)).map((e) => e.data), ['new']);
  assert.deepEqual(h.since('a', 0).map((e) => e.data), ['old', 'new']);
  clock.now += 2_500;
  assert.deepEqual(h.since('a', 0).map((e) => e.data), ['new'], 'old expired');
  assert.match((h.after('a', { epoch: h.epoch, offset: 0 }) as { error: string }).error, /no longer kept/);
  clock.now += 10_000;
  h.expire();
  assert.deepEqual(h.since('a', 0), []);
  assert.deepEqual(h.append('a', 'again'), { epoch: h.epoch, offset: 3 }, 'offsets survive while the stream is remembered (10 x ttl)');
  clock.now += 60_000;
  h.expire();
  assert.equal(h.streamCount, 0, 'forgotten 10 x ttl after its last message');
});

test('at most maxStreams streams: the least recently written is forgotten', () => {
  const { history: h } = history(3, 10_000, 2);
  h.append('a', '1');
  h.append('b', '1');
  h.append('a', '2');
  h.append('c', '1');
  assert.equal(h.streamCount, 2);
  assert.deepEqual(h.since('b', 0), []);
  assert.equal(h.since('a', 0).length, 2);
});
