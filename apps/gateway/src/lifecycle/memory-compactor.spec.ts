import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMPACT_QUIET_MS, MemoryCompactor, memoryReducingCollection, type ConnectionCounts } from './memory-compactor.js';

function harness(churn: number) {
  let counts: ConnectionCounts = { accepted: 0, open: 0 };
  let now = 0;
  let collected = 0;
  const compactor = new MemoryCompactor(churn, () => counts, () => void collected++, () => now);
  return {
    compactor,
    set: (accepted: number, open: number) => (counts = { accepted, open }),
    advance: (ms: number) => (now += ms),
    collected: () => collected,
  };
}

test('collects once after a burst of churn connections is followed by a quiet moment, never during it', () => {
  const h = harness(1000);
  h.compactor.start();
  h.compactor.stop(); // the timer is not needed: check() is driven by hand
  for (let step = 1; step <= 10; step++) {
    h.set(step * 100, step * 100);
    h.advance(500);
    h.compactor.check();
  }
  assert.equal(h.collected(), 0, 'not while connections keep arriving');
  h.advance(COMPACT_QUIET_MS - 1);
  h.compactor.check();
  assert.equal(h.collected(), 0, 'not before the quiet period');
  h.advance(1);
  h.compactor.check();
  assert.equal(h.collected(), 1);
  h.advance(10_000);
  h.compactor.check();
  assert.equal(h.collected(), 1, 'once per burst');
});

test('a mass disconnect counts as churn; a small trickle does not', () => {
  const h = harness(1000);
  h.compactor.start();
  h.compactor.stop();
  h.set(2000, 2000);
  h.compactor.check();
  h.advance(COMPACT_QUIET_MS);
  h.compactor.check();
  assert.equal(h.collected(), 1);
  h.set(2000, 500); // 1,500 closed
  h.compactor.check();
  h.advance(COMPACT_QUIET_MS);
  h.compactor.check();
  assert.equal(h.collected(), 2);
  h.set(2100, 550); // 100 opened, 50 closed
  h.compactor.check();
  h.advance(COMPACT_QUIET_MS * 5);
  h.compactor.check();
  assert.equal(h.collected(), 2);
});

test('gc_after_churn=0 never starts', () => {
  const h = harness(0);
  h.compactor.start();
  h.set(50_000, 50_000);
  h.advance(60_000);
  assert.equal(h.collected(), 0);
});

test('the default collector is a memory-reducing full collection, available without --expose-gc or --inspect', async () => {
  await assert.doesNotReject(memoryReducingCollection());
});

test('an asynchronous collection is reported once it has finished; a failure goes to onFailed', async () => {
  const collected: number[] = [];
  const failures: unknown[] = [];
  let finish: () => void = () => undefined;
  let counts: ConnectionCounts = { accepted: 0, open: 0 };
  let now = 0;
  const compactor = new MemoryCompactor(
    1,
    () => counts,
    () => new Promise<void>((resolve) => (finish = resolve)),
    () => now,
    (churn) => collected.push(churn),
    (error) => failures.push(error),
  );
  counts = { accepted: 5, open: 5 };
  compactor.check();
  now += COMPACT_QUIET_MS;
  compactor.check();
  assert.deepEqual(collected, [], 'not reported before it finished');
  finish();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(collected, [5]);

  const failing = new MemoryCompactor(1, () => counts, () => Promise.reject(new Error('no inspector')), () => now, () => undefined, (error) => failures.push(error));
  counts = { accepted: 9, open: 9 };
  failing.check();
  now += COMPACT_QUIET_MS;
  failing.check();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal((failures[0] as Error).message, 'no inspector');
});
