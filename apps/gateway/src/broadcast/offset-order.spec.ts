import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Publication } from '#libs/protocol';
import type { StreamPosition } from '../broker/broker.js';
import { OffsetOrder } from './offset-order.js';

function setup(waitMs = 30, maxHeld = 1000, maxStreams = 100) {
  const out: string[] = [];
  const order = new OffsetOrder((publication, position) => out.push(`${publication.stream}:${position?.offset ?? '-'}`), waitMs, maxHeld, maxStreams);
  const push = (stream: string, offset: number | null, epoch = 'E'): void => {
    const publication: Publication = { stream, data: String(offset) };
    order.push(publication, offset === null ? null : ({ epoch, offset } satisfies StreamPosition));
  };
  return { out, order, push };
}

test('a publication past the next offset waits for the missing one, then both go in offset order', () => {
  const { out, push, order } = setup();
  push('a', 1);
  push('a', 3);
  push('b', 7);
  assert.deepEqual(out, ['a:1', 'b:7'], 'a:3 waits for a:2; other streams are not held');
  assert.equal(order.held, 1);
  push('a', 2);
  push('a', 4);
  assert.deepEqual(out, ['a:1', 'b:7', 'a:2', 'a:3', 'a:4']);
  assert.equal(order.held, 0);
});

test('a gap not filled in time is given up: the held ones go out in order, a late one after them', async () => {
  const { out, push } = setup(20);
  push('a', 1);
  push('a', 4);
  push('a', 3);
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.deepEqual(out, ['a:1', 'a:3', 'a:4']);
  push('a', 2);
  push('a', 5);
  assert.deepEqual(out, ['a:1', 'a:3', 'a:4', 'a:2', 'a:5'], 'late: as it is; the next one in turn at once');
});

test('no position, another epoch, or too many held: delivered at once', () => {
  const { out, push } = setup(1000, 2);
  push('a', 1);
  push('a', null);
  push('a', 5);
  push('a', 1, 'F');
  assert.deepEqual(out, ['a:1', 'a:-', 'a:5', 'a:1'], 'a new epoch releases what was held and starts over');
  push('a', 3, 'F');
  push('a', 4, 'F');
  push('a', 5, 'F');
  assert.deepEqual(out.slice(4), ['a:3', 'a:4', 'a:5'], 'over maxHeld: released in order');
});

test('bounded streams: the least recently delivered one is forgotten (its held ones released)', () => {
  const { out, push } = setup(1000, 1000, 2);
  push('a', 1);
  push('a', 3);
  push('b', 1);
  push('c', 1);
  assert.deepEqual(out, ['a:1', 'b:1', 'a:3', 'c:1']);
});
