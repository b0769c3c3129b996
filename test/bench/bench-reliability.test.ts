import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/index.js';
import type { BenchReport } from '../../bench/src/report/results.js';

// The reliability scenario in a few seconds: 20 clients over two nodes, dropped every ~0.75 s, one
// node SIGKILLed midway. It checks the report is complete and that our gateway (broker=nats) delivered
// every broadcast to every client exactly once, in order — a delivery guarantee, not a speed.
test('npm run bench -- reliability --quick: our gateway (broker=nats) exactly once; Socket.IO measured beside it', { timeout: 240_000 }, async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-reliability-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const args = ['reliability', '--quick', '--reliable-clients', '20', '--reliable-seconds', '3', '--drop-every-ms', '750', '--peers', 'gateway,socketio,ws', '--brokers', 'nats', '--out', outDir];
  const bench = startProcess(process.execPath, ['dist/bench/src/cli.js', ...args], {}, 'bench');
  t.after(() => bench.stop('SIGTERM', 20_000));
  const exit = await new Promise<number | null>((resolve) => bench.child.once('exit', (code) => resolve(code)));
  const json = join(outDir, 'quick-reliability.json');
  assert.ok(existsSync(json) && existsSync(join(outDir, 'quick-reliability.md')), `results written (exit ${exit}):\n${bench.output().slice(-4000)}`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  const results = report.results.reliability ?? [];
  for (const result of results) assert.ok(!result.error || 'restoreMs' in result, `${result.peer} ${result.variant} failed: ${result.error}`);
  assert.deepEqual(results.map((result) => `${result.peer} ${result.variant}`), ['gateway broker=nats', 'socketio redis-streams-adapter'], 'the ws floor has nothing to recover: not measured');
  assert.match(bench.output(), /reliability ws: does not apply/);
  for (const result of results) {
    assert.equal(result.subscribed, 20, `${result.peer}: every client subscribed`);
    assert.equal(result.expected, 20 * result.published);
    assert.ok(result.exactlyOnce + result.lost <= result.expected, `${result.peer}: a (client, broadcast) pair is exactly once, lost, or repeated`);
    assert.ok(result.drops > 0 && result.reconnects >= result.drops, `${result.peer}: clients were dropped and came back (${result.drops} drops, ${result.reconnects} reconnects)`);
    assert.equal(result.restart.signal, 'SIGKILL');
    assert.ok(result.restoreMs.count === result.reconnects, `${result.peer}: one restore time per reconnect`);
  }
  const gateway = results[0]!;
  assert.equal(gateway.error, undefined, gateway.error);
  assert.deepEqual(
    { exactlyOnce: gateway.exactlyOncePercent, duplicates: gateway.duplicates, outOfOrder: gateway.outOfOrder, lost: gateway.lost },
    { exactlyOnce: 100, duplicates: 0, outOfOrder: 0, lost: 0 },
    'our gateway: every broadcast to every client exactly once, in order',
  );
  assert.ok(gateway.restored > 0, 'sessions were restored (?sid=)');
  assert.equal(gateway.liveAtEnd, 20, 'every client back at the end');
});
