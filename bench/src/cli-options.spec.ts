import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptions } from './cli-options.js';

test('defaults: the full 10,000-connection run, every peer, results in bench/results', () => {
  const options = parseOptions(['all']);
  assert.deepEqual(options.scenarios, ['broadcast', 'connect', 'idle', 'rpc']);
  assert.deepEqual(options.peers, ['gateway', 'socketio', 'ws']);
  assert.equal(options.connections, 10_000);
  assert.equal(options.label, 'all');
  assert.match(options.outDir, /bench\/results$/);
  assert.equal(options.rpcMode, 'message');
});

test('--quick shrinks the run, flags override, both --name value and --name=value', () => {
  const options = parseOptions(['idle', 'broadcast', '--quick', '--connections=500', '--rate', '2.5', '--peers', 'ws,gateway', '--warmup', '0']);
  assert.deepEqual(options.scenarios, ['broadcast', 'idle']);
  assert.deepEqual(options.peers, ['gateway', 'ws']);
  assert.equal(options.connections, 500);
  assert.equal(options.rate, 2.5);
  assert.equal(options.warmup, 0);
  assert.equal(options.broadcasts, 20);
  assert.equal(options.label, 'quick-broadcast-idle');
});

test('reliability: named on its own (not in all), its own sizes, brokers and restart signal', () => {
  const options = parseOptions(['reliability']);
  assert.deepEqual(options.scenarios, ['reliability']);
  assert.equal(options.reliableClients, 1_000);
  assert.deepEqual(options.brokers, ['redis', 'nats']);
  assert.equal(options.restartSignal, 'SIGKILL');
  assert.equal(options.label, 'reliability');
  const quick = parseOptions(['all', 'reliability', '--quick', '--brokers', 'nats', '--restart-signal', 'SIGTERM', '--outage-ms', '0']);
  assert.deepEqual(quick.scenarios, ['broadcast', 'connect', 'idle', 'rpc', 'reliability']);
  assert.equal(quick.reliableClients, 100);
  assert.deepEqual(quick.brokers, ['nats']);
  assert.equal(quick.restartSignal, 'SIGTERM');
  assert.equal(quick.outageMs, 0);
  assert.throws(() => parseOptions(['reliability', '--brokers', 'memory']), /unknown broker "memory"/);
  assert.throws(() => parseOptions(['reliability', '--restart-signal', 'SIGHUP']), /--restart-signal must be SIGKILL or SIGTERM/);
});

test('storm: every mode by default, --storm-mode picks some (in the fixed order), an unknown mode is refused', () => {
  assert.deepEqual(parseOptions(['storm']).stormModes, ['plain', 'restore', 'jwt']);
  assert.deepEqual(parseOptions(['storm', '--quick']).stormModes, ['plain', 'restore', 'jwt']);
  assert.deepEqual(parseOptions(['storm', '--storm-mode', 'jwt,restore']).stormModes, ['restore', 'jwt']);
  assert.deepEqual(parseOptions(['storm', '--storm-mode=plain']).stormModes, ['plain']);
  assert.throws(() => parseOptions(['storm', '--storm-mode', 'sse']), /unknown storm mode "sse"; storm modes: plain, restore, jwt/);
  assert.throws(() => parseOptions(['storm', '--storm-mode', ',']), /--storm-mode needs at least one storm mode/);
});

test('bad input is refused with a message naming it', () => {
  assert.throws(() => parseOptions([]), /name at least one scenario/);
  assert.throws(() => parseOptions(['fanout']), /unknown scenario "fanout"/);
  assert.throws(() => parseOptions(['all', '--peers', 'nginx']), /unknown peer "nginx"/);
  assert.throws(() => parseOptions(['all', '--connections', '0']), /--connections must be a positive integer/);
  assert.throws(() => parseOptions(['all', '--workers', '1.5']), /--workers must be a positive integer/);
  assert.throws(() => parseOptions(['all', '--rpc-mode', 'fast']), /--rpc-mode must be message or subscribe-cycle/);
  assert.throws(() => parseOptions(['all', '--label', '../x']), /--label may hold/);
  assert.throws(() => parseOptions(['all', '--verbose']), /unknown option --verbose/);
  assert.throws(() => parseOptions(['all', '--out']), /option --out needs a value/);
});
