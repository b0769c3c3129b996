import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { phaseOf } from './connect-phases.js';
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

test('phaseOf puts a sample under what it was doing: writes under their writer, the RPC client, the upgrade, GC', () => {
  const frames = (...names: [string, string][]) => names.map(([functionName, origin]) => ({ functionName, origin }));
  assert.equal(phaseOf(frames(['(garbage collector)', '(garbage collector)'])), 'GC');
  assert.equal(phaseOf(frames(['writev', '(native)'], ['_writeGeneric', 'node:net'], ['sendFrame', 'apps/gateway/src/transport/cable-socket.ts'])), 'frames: socket writes (welcome, confirm, pings, …)');
  assert.equal(phaseOf(frames(['writeUtf8String', '(native)'], ['completeUpgrade', 'pkg:ws'], ['handleUpgrade', 'pkg:ws'])), 'frames: socket writes (101)');
  assert.equal(phaseOf(frames(['writev', '(native)'], ['write', 'node:net'], ['dispatch', 'pkg:undici'])), 'RPC: socket writes');
  assert.equal(phaseOf(frames(['makeUnaryRequest', 'pkg:@grpc/grpc-js'], ['invoke', 'apps/gateway/src/rpc/grpc.transport.ts'])), 'RPC client (transport, encoding)');
  assert.equal(phaseOf(frames(['digest', 'node:internal/crypto/hash'], ['completeUpgrade', 'pkg:ws'])), 'upgrade and handshake');
  assert.equal(phaseOf(frames(['follow', 'apps/gateway/src/hub/hub.ts'])), 'session, subscriptions, frames (our code)');
  assert.equal(phaseOf(frames(['emit', 'node:events'])), 'other Node internals (sockets, streams, timers)');
});

test('frames of a bundle are named by the source they were built from, through the map beside it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-map-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A two-line "bundle": line 0 comes from apps/gateway/src/hub/hub.ts, line 1 from node_modules/ws/lib/sender.js.
  const bundle = join(dir, 'dist', 'main.bundle.js');
  mkdirSync(join(dir, 'dist'));
  writeFileSync(bundle, 'a();\nb();\n');
  writeFileSync(`${bundle}.map`, JSON.stringify({ version: 3, sources: ['../apps/gateway/src/hub/hub.ts', '../node_modules/ws/lib/sender.js'], names: [], mappings: 'AAAA;ACAA' }));
  const url = pathToFileURL(bundle).href;
  const frame = (id: number, functionName: string, lineNumber: number) => ({ id, callFrame: { functionName, url, lineNumber, columnNumber: 0 } });
  const profile = {
    nodes: [{ id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 }, children: [2, 3] }, frame(2, 'deliver', 0), frame(3, 'frame', 1)],
    samples: [2, 3, 3],
    timeDeltas: [1000, 1000, 1000],
  };
  const path = join(dir, 'x.cpuprofile');
  writeFileSync(path, JSON.stringify(profile));
  const summary = summarizeProfile(path);
  assert.deepEqual(summary.byOrigin.map((row) => [row.name, row.ms]), [['pkg:ws', 2], ['apps/gateway/src/hub/hub.ts', 1]]);
});
