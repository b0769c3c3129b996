import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/index.js';

test('the RPC client cost bench measures every client against the canned server and writes its report', async (t) => {
  const out = mkdtempSync(join(tmpdir(), 'rpc-client-cost-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(
      process.execPath,
      ['dist/bench/src/rpc-client/rpc-client-cost-cli.js', '--calls', '300', '--rounds', '1', '--out', out],
      { cwd: REPO_ROOT, timeout: 90_000 },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    ),
  );
  assert.equal(result.code, 0, result.stderr);
  const report = JSON.parse(readFileSync(join(out, 'rpc-client-cost.json'), 'utf8')) as { rows: { kind: string; cpuMicrosPerCall: number; callsPerSecond: number }[] };
  assert.deepEqual(report.rows.map((row) => row.kind), ['grpc-js', 'http-undici', 'http-node', 'http2-raw']);
  for (const row of report.rows) {
    assert.ok(row.cpuMicrosPerCall > 0 && Number.isFinite(row.cpuMicrosPerCall), `${row.kind}: CPU per call measured`);
    assert.ok(row.callsPerSecond > 0, `${row.kind}: calls answered`);
  }
  assert.match(readFileSync(join(out, 'rpc-client-cost.md'), 'utf8'), /\| `grpc-js`: .* \| [\d.]+ \| [\d.]+ \| \d+ \|/);
});

test('the RPC client cost bench refuses a bad option with its usage', async () => {
  const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
    execFile(process.execPath, ['dist/bench/src/rpc-client/rpc-client-cost-cli.js', '--calls', 'many'], { cwd: REPO_ROOT }, (error, _stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    ),
  );
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--calls needs a positive integer/);
});
