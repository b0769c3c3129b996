import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteRecordFifo } from './byte-record-fifo.js';

test('records come out in order and intact, across chunk boundaries and with records larger than a chunk', () => {
  const fifo = new ByteRecordFifo();
  const records = Array.from({ length: 5000 }, (_, i) => Buffer.from(`record ${i} `.repeat(1 + (i % 7))));
  records.splice(2500, 0, Buffer.alloc(200_000, 7), Buffer.alloc(0));
  for (const record of records) fifo.push(record);
  assert.equal(fifo.size, records.length);
  for (const record of records) assert.deepEqual(fifo.shift(), record);
  assert.equal(fifo.size, 0);
  assert.equal(fifo.shift(), null);
  assert.equal(fifo.allocatedBytes, 0, 'an emptied queue holds no chunk');
});

test('interleaved push and shift keep FIFO order; chunks already read are freed', () => {
  const fifo = new ByteRecordFifo();
  let next = 0;
  let expected = 0;
  for (let round = 0; round < 200; round++) {
    for (let i = 0; i < 50; i++) fifo.push(Buffer.from(String(next++).padStart(2000, '.')));
    for (let i = 0; i < 40; i++) assert.equal(fifo.shift()!.toString().replace(/^\.+/, ''), String(expected++));
  }
  assert.equal(fifo.size, next - expected);
  // 2,000 records of 2 KB are waiting: about 4 MB, not the 20 MB pushed in all.
  assert.ok(fifo.allocatedBytes < 5 * 1024 * 1024, `${fifo.allocatedBytes} bytes held`);
});
