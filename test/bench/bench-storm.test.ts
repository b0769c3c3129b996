import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/index.js';
import type { BenchReport } from '../../bench/src/report/results.js';

// The storm scenario in small: it must bring every client back after the gateway restarts.
test('npm run bench -- storm: every client comes back after the gateway restarts, with the RPC app CPU read', { timeout: 240_000 }, async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-storm-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const bench = startProcess(process.execPath, ['dist/bench/src/cli.js', 'storm', '--quick', '--connections', '60', '--peers', 'gateway,ws', '--out', outDir], {}, 'bench');
  t.after(() => bench.stop('SIGTERM', 20_000));
  const exit = await new Promise<number | null>((resolve) => bench.child.once('exit', (code) => resolve(code)));
  assert.equal(exit, 0, `bench exited with ${exit}:\n${bench.output().slice(-6000)}`);
  const report = JSON.parse(readFileSync(join(outDir, 'quick-storm.json'), 'utf8')) as BenchReport;
  const results = report.results.storm ?? [];
  assert.deepEqual(results.map((result) => `${result.peer} ${result.variant}`), ['gateway plain'], 'the ws floor has no restart to measure');
  const [storm] = results;
  assert.equal(storm.error, undefined);
  assert.equal(storm.subscribed, 60);
  assert.equal(storm.back, 60, 'every client subscribed again');
  assert.ok(storm.sigtermToBackSeconds > 0 && storm.sigtermToBackSeconds >= storm.readyToBackSeconds);
  assert.ok(storm.rpcCpuMs > 0, 'the storm cost the RPC app CPU (Connect + subscribe again)');
});
