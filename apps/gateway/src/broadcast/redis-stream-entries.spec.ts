import { test } from 'node:test';
import assert from 'node:assert/strict';
import { entriesOfClaim, entriesOfRead } from './redis-stream-entries.js';

test('XREADGROUP replies: RESP3 legacy (flat) and RESP2 (nested) shapes, timeouts, entries without payload', () => {
  const entries = [
    ['1-0', ['payload', '{"stream":"a","data":"1"}']],
    ['2-0', ['other', 'x', 'payload', 'p2']],
    ['3-0', null],
  ];
  const expected = [
    { id: '1-0', payload: '{"stream":"a","data":"1"}' },
    { id: '2-0', payload: 'p2' },
    { id: '3-0', payload: null },
  ];
  assert.deepEqual(entriesOfRead(['__anycable__', entries]), expected);
  assert.deepEqual(entriesOfRead([['__anycable__', entries]]), expected);
  assert.deepEqual(entriesOfRead(null), []);
  assert.deepEqual(entriesOfRead([]), []);
});

test('XAUTOCLAIM replies: cursor, entries, deleted ids', () => {
  assert.deepEqual(entriesOfClaim(['5-0', [['4-0', ['payload', 'p']]], ['3-0']]), {
    cursor: '5-0',
    entries: [{ id: '4-0', payload: 'p' }],
    deleted: ['3-0'],
  });
  assert.deepEqual(entriesOfClaim(['0-0', []]), { cursor: '0-0', entries: [], deleted: [] });
  assert.deepEqual(entriesOfClaim(null), { cursor: '0-0', entries: [], deleted: [] });
});
