import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/index.js';
import type { BenchReport } from '../../bench/src/report/results.js';

const CLIENTS = 40;

// The storm scenario in small, every mode: each must bring every client back after the gateway
// restarts, the way the mode says (new sessions through RPC, sessions restored, JWT + signed stream).
test('npm run bench -- storm: every client comes back after the gateway restarts, in each mode, with the RPC it asks for', { timeout: 240_000 }, async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-storm-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const bench = startProcess(process.execPath, ['dist/bench/src/cli.js', 'storm', '--quick', '--connections', String(CLIENTS), '--peers', 'gateway,ws', '--out', outDir], {}, 'bench');
  t.after(() => bench.stop('SIGTERM', 20_000));
  const exit = await new Promise<number | null>((resolve) => bench.child.once('exit', (code) => resolve(code)));
  assert.equal(exit, 0, `bench exited with ${exit}:\n${bench.output().slice(-6000)}`);
  const report = JSON.parse(readFileSync(join(outDir, 'quick-storm.json'), 'utf8')) as BenchReport;
  const results = report.results.storm ?? [];
  assert.deepEqual(results.map((result) => `${result.peer} ${result.variant}`), ['gateway plain', 'gateway restore', 'gateway jwt'], 'every mode by default; the ws floor has no restart to measure');
  for (const storm of results) {
    const mode = storm.variant;
    assert.equal(storm.error, undefined, mode);
    assert.equal(storm.subscribed, CLIENTS, mode);
    assert.equal(storm.back, CLIENTS, `${mode}: every client subscribed again`);
    assert.equal(storm.failed, 0, mode);
    assert.ok(storm.sigtermToBackSeconds > 0 && storm.sigtermToBackSeconds >= storm.readyToBackSeconds, mode);
    assert.ok(storm.stopSeconds <= storm.restartSeconds, mode);
  }
  const [plain, restore, jwt] = results;
  assert.deepEqual([plain.restored, plain.fresh], [0, CLIENTS], 'plain: the sessions died with the process, every client got a new one');
  assert.equal(plain.newGatewayRpcCalls, 2 * CLIENTS, 'plain: a Connect and a subscribe Command per client');
  assert.ok(plain.rpcReconnectCpuMs > 0, 'plain: coming back cost the RPC app CPU');
  assert.deepEqual([restore.restored, restore.fresh], [CLIENTS, 0], 'restore: every session restored from broker=redis');
  assert.equal(restore.newGatewayRpcCalls, 0, 'restore: no RPC call at all');
  assert.deepEqual([jwt.restored, jwt.fresh], [0, CLIENTS], 'jwt: new sessions, identified by the JWT');
  assert.equal(jwt.newGatewayRpcCalls, 0, 'jwt: no RPC call at all');
});
