import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { status } from '@grpc/grpc-js';
import { ConcurrencyGate } from './concurrency-gate.js';
import { retryDelayMs } from './retry-policy.js';
import { RpcCallError } from './rpc-call.error.js';

test('the gate admits `limit` calls, queues the rest in order, bounds the queue', async () => {
  const gate = new ConcurrencyGate(2, 2);
  const far = Date.now() + 10_000;
  await gate.acquire(far);
  await gate.acquire(far);
  assert.equal(gate.inFlight, 2);
  const order: number[] = [];
  const third = gate.acquire(far).then(() => order.push(3));
  const fourth = gate.acquire(far).then(() => order.push(4));
  assert.equal(gate.queued, 2);
  await assert.rejects(gate.acquire(far), (error: unknown) => error instanceof RpcCallError && error.kind === 'queue_full');
  gate.release();
  await third;
  gate.release();
  await fourth;
  assert.deepEqual(order, [3, 4]);
  assert.equal(gate.inFlight, 2);
  gate.release();
  gate.release();
  assert.equal(gate.inFlight, 0);
  assert.equal(gate.queued, 0);
});

test('a waiter whose deadline passes is refused and does not take a slot later', async () => {
  const gate = new ConcurrencyGate(1, 10);
  await gate.acquire(Date.now() + 10_000);
  await assert.rejects(gate.acquire(Date.now() + 30), (error: unknown) => error instanceof RpcCallError && error.kind === 'deadline');
  assert.equal(gate.queued, 0);
  gate.release();
  assert.equal(gate.inFlight, 0);
  await sleep(5);
});

test('retry delays: 10ms·2ⁿ for RESOURCE_EXHAUSTED, 100ms·2ⁿ for UNAVAILABLE, at most 500 ms apart, none past the deadline', () => {
  assert.equal(retryDelayMs(status.RESOURCE_EXHAUSTED, 0, 3000), 10);
  assert.equal(retryDelayMs(status.RESOURCE_EXHAUSTED, 3, 3000), 80);
  assert.equal(retryDelayMs(status.UNAVAILABLE, 0, 3000), 100);
  assert.equal(retryDelayMs(status.UNAVAILABLE, 2, 3000), 400);
  assert.equal(retryDelayMs(status.UNAVAILABLE, 3, 3000), 500);
  assert.equal(retryDelayMs(status.UNAVAILABLE, 12, 3000), 500);
  assert.equal(retryDelayMs(status.UNAVAILABLE, 12, 500), null);
  assert.equal(retryDelayMs(status.UNAVAILABLE, 2, 399), null);
  assert.equal(retryDelayMs(status.INTERNAL, 0, 3000), null);
  assert.equal(retryDelayMs(status.DEADLINE_EXCEEDED, 0, 3000), null);
  assert.equal(retryDelayMs(null, 0, 3000), null);
});
