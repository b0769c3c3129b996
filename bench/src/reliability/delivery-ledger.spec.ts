import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeliveryLedger } from './delivery-ledger.js';

test('exactly once, duplicates, out of order and lost are told apart', () => {
  const ledger = new DeliveryLedger(6);
  for (const seq of [1, 2, 4, 3, 4, 6, 6, 6]) ledger.receive(seq);
  assert.deepEqual(ledger.counts(), { exactlyOnce: 3, duplicates: 3, outOfOrder: 1, lost: 1 });
  assert.equal(ledger.received, 5);
  ledger.receive(0);
  ledger.receive(7);
  assert.equal(ledger.unexpectedReceipts, 2);
});

test('a complete, ordered delivery is all exactly once', () => {
  const ledger = new DeliveryLedger(1000);
  for (let seq = 1; seq <= 1000; seq += 1) ledger.receive(seq);
  assert.deepEqual(ledger.counts(), { exactlyOnce: 1000, duplicates: 0, outOfOrder: 0, lost: 0 });
});
