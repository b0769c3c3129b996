import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SampleBuffer, summarize } from './statistics.js';

test('summarize merges parts and takes nearest-rank percentiles', () => {
  const values = Array.from({ length: 100 }, (_, index) => index + 1);
  const summary = summarize([Float32Array.from(values.slice(0, 37)), Float32Array.from(values.slice(37))]);
  assert.deepEqual(summary, { count: 100, mean: 50.5, p50: 50, p95: 95, p99: 99, max: 100 });
});

test('summarize of nothing is all zeros', () => {
  assert.deepEqual(summarize([new Float32Array(0)]), { count: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
});

test('SampleBuffer grows and copies out what was pushed', () => {
  const buffer = new SampleBuffer(16);
  for (let index = 0; index < 1000; index += 1) buffer.push(index / 4);
  const samples = buffer.toArray();
  assert.equal(samples.length, 1000);
  assert.equal(samples[999], 249.75);
  buffer.clear();
  assert.equal(buffer.length, 0);
  assert.equal(samples.length, 1000, 'the copy is independent');
});
