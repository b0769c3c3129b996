import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nowMicros } from './clock.js';
import { readStamp, stampedPayload } from './stamped-payload.js';

test('a stamped payload is JSON whose stamp reads back out of Action Cable and Socket.IO frames', () => {
  const before = nowMicros();
  const payload = stampedPayload(42, 16);
  const parsed = JSON.parse(payload) as { seq: number; t: number; pad: string };
  assert.equal(parsed.seq, 42);
  assert.equal(parsed.pad, 'x'.repeat(16));
  assert.ok(parsed.t >= before && parsed.t <= nowMicros());
  for (const frame of [`{"identifier":"{\\"channel\\":\\"comments\\"}","message":${payload}}`, `42["message",${payload}]`]) {
    assert.deepEqual(readStamp(frame), { seq: 42, sentAtMicros: parsed.t });
  }
});

test('frames without a stamp read as undefined', () => {
  for (const frame of ['{"type":"ping","message":1}', '{"type":"welcome"}', '2', '42["message",{"seq":"x","t":1}]', '{"seq":1}']) {
    assert.equal(readStamp(frame), undefined, frame);
  }
});
