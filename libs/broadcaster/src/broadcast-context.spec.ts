import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { BroadcastContext } from './broadcast-context.js';

test('currentSocketId is undefined outside run, and follows awaits inside it', async () => {
  assert.equal(BroadcastContext.currentSocketId(), undefined);
  const seen = await BroadcastContext.run('sid-1', async () => {
    await sleep(5);
    return BroadcastContext.currentSocketId();
  });
  assert.equal(seen, 'sid-1');
  assert.equal(BroadcastContext.currentSocketId(), undefined);
});

test('concurrent runs keep their own session ids, and the innermost run wins', async () => {
  const results = await Promise.all(
    ['a', 'b', 'c'].map((sid, index) =>
      BroadcastContext.run(sid, async () => {
        await sleep(15 - index * 5);
        const inner = BroadcastContext.run(`${sid}-inner`, () => BroadcastContext.currentSocketId());
        return [BroadcastContext.currentSocketId(), inner];
      }),
    ),
  );
  assert.deepEqual(results, [
    ['a', 'a-inner'],
    ['b', 'b-inner'],
    ['c', 'c-inner'],
  ]);
});
