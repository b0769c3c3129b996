import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { originOf, summarizeProfile } from './cpu-profile-summary.js';

test('originOf names our files, packages, node internals and native frames', () => {
  assert.equal(originOf('file:///work/main/dist/apps/gateway/src/hub/hub.js', 'deliver'), 'apps/gateway/src/hub/hub.js');
  assert.equal(originOf('file:///work/main/node_modules/@grpc/grpc-js/build/src/client.js', 'x'), 'pkg:@grpc/grpc-js');
  assert.equal(originOf('file:///work/main/node_modules/ws/lib/sender.js', 'x'), 'pkg:ws');
  assert.equal(originOf('node:net', 'x'), 'node:net');
  assert.equal(originOf('', '(garbage collector)'), '(garbage collector)');
  assert.equal(originOf('', 'writeBuffer'), '(native)');
});

test('summarizeProfile splits self time and counts inclusive time of our functions once per path', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const hub = 'file:///r/dist/apps/gateway/src/hub/hub.js';
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
  // root → deliver (own) → deliver (own, recursion) → writeBuffer (native); root → (idle)
  const profile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
      { id: 2, callFrame: frame('deliver', hub), children: [3] },
      { id: 3, callFrame: frame('deliver', hub), children: [4] },
      { id: 4, callFrame: frame('writeBuffer', '') },
      { id: 5, callFrame: frame('(idle)', '') },
    ],
    samples: [2, 4, 4, 5],
    timeDeltas: [1000, 2000, 3000, 4000],
  };
  const path = join(dir, 'x.cpuprofile');
  writeFileSync(path, JSON.stringify(profile));
  const summary = summarizeProfile(path);
  assert.equal(summary.totalMs, 10);
  assert.deepEqual(summary.byOrigin.map((row) => [row.name, row.ms]), [['(native)', 5], ['(idle)', 4], ['apps/gateway/src/hub/hub.js', 1]]);
  assert.deepEqual(summary.inclusiveOwn, [{ name: 'deliver apps/gateway/src/hub/hub.js:1', ms: 6, percent: 60 }]);
});
