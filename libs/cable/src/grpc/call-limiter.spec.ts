import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallLimiter } from './call-limiter.js';

const refuse = (): never => {
  throw new Error('refused');
};

test('runs up to the bound at once, refuses above it without running, frees slots when calls end', async () => {
  const limiter = new CallLimiter(2);
  const releases: Array<() => void> = [];
  const hold = (): Promise<string> => new Promise((resolve) => releases.push(() => resolve('done')));
  const first = limiter.run(hold, refuse);
  const second = limiter.run(hold, refuse);
  assert.equal(limiter.inFlight, 2);
  let ran = false;
  await assert.rejects(limiter.run(async () => (ran = true), refuse), /refused/);
  assert.equal(ran, false);
  releases.forEach((release) => release());
  assert.deepEqual(await Promise.all([first, second]), ['done', 'done']);
  assert.equal(limiter.inFlight, 0);
});

test('a failing call frees its slot', async () => {
  const limiter = new CallLimiter(1);
  await assert.rejects(limiter.run(() => Promise.reject(new Error('app')), refuse), /app/);
  assert.equal(await limiter.run(async () => 'ok', refuse), 'ok');
});

test('the bound must be a positive integer', () => {
  for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => new CallLimiter(bad), RangeError);
});

test('draining: calls in flight finish, new ones are refused as draining, drain resolves when the last one ends', async () => {
  const limiter = new CallLimiter(4);
  let release: () => void = () => undefined;
  const inFlight = limiter.run(() => new Promise<string>((resolve) => (release = () => resolve('finished'))), refuse);
  let drained = false;
  const drain = limiter.drain().then(() => (drained = true));
  const reasons: string[] = [];
  await assert.rejects(
    limiter.run(async () => 'ran', (why) => {
      reasons.push(why);
      throw new Error(why);
    }),
    /draining/,
  );
  assert.deepEqual(reasons, ['draining']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(drained, false, 'a call is still in flight');
  release();
  assert.equal(await inFlight, 'finished');
  await drain;
  assert.equal(drained, true);
  await new CallLimiter(1).drain();
});
