import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Publication } from '#libs/protocol';
import type { StreamPosition } from '../broker/broker.js';
import { PositionOrder, type PositionOrderOptions } from './position-order.js';

function ordered(windowMs = 30, maxHeld = 100, fill: PositionOrderOptions['fill'] = () => ({ ok: false, error: 'no broker here' }), now?: () => number) {
  const delivered: string[] = [];
  const order = new PositionOrder((p: Publication, position: StreamPosition | null) => delivered.push(`${p.data}@${position?.offset ?? '-'}`), {
    windowMs,
    maxHeld,
    maxStreams: 10,
    isFollowed: (stream) => stream !== 'unfollowed',
    fill,
    now,
  });
  const accept = (stream: string, offset: number | null, epoch = 'E') => order.accept({ stream, data: `${stream}${offset ?? 't'}` }, offset === null ? null : { epoch, offset });
  return { order, delivered, accept };
}

test('crossed relays are put back in offset order; other streams and unpositioned publications pass', () => {
  const { delivered, accept, order } = ordered();
  accept('a', 5);
  accept('a', 7);
  accept('b', 1);
  accept('a', null);
  assert.deepEqual(delivered, ['a5@5', 'b1@1', 'at@-']);
  assert.equal(order.held, 1);
  accept('a', 6);
  assert.deepEqual(delivered.slice(3), ['a6@6', 'a7@7']);
  assert.equal(order.held, 0);
});

test('a gap the broker cannot give is passed over after the window; its late relay is delivered, not lost; a new epoch starts over', async () => {
  const { delivered, accept, order } = ordered(20);
  accept('a', 1);
  accept('a', 3);
  accept('a', 4);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(delivered, ['a1@1', 'a3@3', 'a4@4']);
  accept('a', 2);
  assert.equal(delivered.at(-1), 'a2@2');
  assert.equal(order.outOfOrder, 1);
  accept('a', 9, 'F');
  assert.equal(delivered.at(-1), 'a9@9', 'another epoch: delivered at once');
});

test('bounded: past maxHeld the gap is given up at once; window 0 never holds', () => {
  const bounded = ordered(10_000, 1);
  bounded.accept('a', 1);
  bounded.accept('a', 3);
  bounded.accept('a', 4);
  assert.deepEqual(bounded.delivered, ['a1@1', 'a3@3', 'a4@4']);
  const off = ordered(0);
  off.accept('a', 1);
  off.accept('a', 3);
  assert.deepEqual(off.delivered, ['a1@1', 'a3@3']);
});

test('streams without local subscribers are not tracked (nothing held for nobody)', () => {
  const { delivered, accept, order } = ordered();
  accept('unfollowed', 1);
  accept('unfollowed', 3);
  assert.deepEqual(delivered, ['unfollowed1@1', 'unfollowed3@3']);
  assert.equal(order.held, 0);
});

test('a gap that did not come in time is read from the broker and delivered in order; its late relay is then a duplicate', async () => {
  const asked: number[] = [];
  const { delivered, accept } = ordered(20, 100, (stream, after) => {
    asked.push(after.offset);
    return Promise.resolve({ ok: true, epoch: 'E', entries: [2, 3, 4].map((offset) => ({ offset, storedAt: 0, data: `${stream}${offset}` })) });
  });
  accept('a', 1);
  accept('a', 4);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(asked, [1]);
  assert.deepEqual(delivered, ['a1@1', 'a2@2', 'a3@3', 'a4@4']);
  accept('a', 2);
  accept('a', 5);
  assert.deepEqual(delivered.slice(4), ['a5@5'], 'the late 2 was delivered from the broker already');
});

test("at a stream's start, another gateway's earlier offset that crossed this one's first is delivered late, once; history from before is not", () => {
  let clock = 1_000;
  const { delivered, accept, order } = ordered(100, 100, undefined, () => clock);
  accept('a', 2); // this gateway's own publication, delivered first
  clock += 40;
  accept('a', 1); // the other gateway's, registered just before: crossed in flight
  accept('a', 1); // relayed twice (or read again): once is enough
  assert.deepEqual(delivered, ['a2@2', 'a1@1']);
  assert.equal(order.outOfOrder, 1);
  accept('a', 3);
  clock += 200;
  accept('a', 0); // past the window: from before this gateway followed the stream, not delivered
  assert.deepEqual(delivered, ['a2@2', 'a1@1', 'a3@3']);
  accept('a', 2); // a duplicate of what was delivered stays dropped
  assert.deepEqual(delivered, ['a2@2', 'a1@1', 'a3@3']);
});
