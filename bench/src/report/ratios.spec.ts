import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeRatios } from './ratios.js';
import type { BroadcastResult } from './results.js';

function broadcast(peer: BroadcastResult['peer'], p99: number): BroadcastResult {
  return {
    peer,
    title: peer,
    clients: 10,
    subscribed: 10,
    broadcasts: 1,
    expected: 10,
    delivered: 10,
    deliveredPercent: 100,
    duplicates: 0,
    outOfOrder: 0,
    latencyMs: { count: 10, mean: p99 / 2, p50: p99 / 2, p95: p99, p99, max: p99 },
  };
}

test('broadcast p99 ratios carry the issue targets; a --quick run (withTargets: false) carries none', () => {
  const results = { broadcast: [broadcast('gateway', 10), broadcast('ws', 5), broadcast('socketio', 40)] };
  const full = computeRatios(results).filter((ratio) => ratio.metric === 'p99 latency');
  assert.deepEqual(
    full.map((ratio) => [ratio.versus, ratio.value, ratio.target]),
    [
      ['ws', 2, '≤ 1.5'],
      ['socketio', 0.25, '≤ 0.5'],
    ],
  );
  const quick = computeRatios(results, { withTargets: false });
  assert.ok(quick.length > 0);
  assert.ok(quick.every((ratio) => ratio.target === undefined), 'no target beside quick figures');
});
