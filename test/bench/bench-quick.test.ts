import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProcess } from '../support/index.js';
import type { BenchReport } from '../../bench/src/report/results.js';

// The benchmark's smoke mode: every scenario against every peer with a few hundred clients, so the
// tool cannot rot. It checks that results are well formed and complete, never how fast anything was.
const PEERS = ['gateway', 'socketio', 'ws'];

test('npm run bench -- all --quick measures every peer in every scenario and writes the report', { timeout: 240_000 }, async (t) => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-quick-'));
  t.after(() => rmSync(outDir, { recursive: true, force: true }));
  const bench = startProcess(process.execPath, ['dist/bench/src/cli.js', 'all', '--quick', '--out', outDir], {}, 'bench');
  t.after(() => bench.stop('SIGTERM', 20_000));
  const exit = await new Promise<number | null>((resolve) => bench.child.once('exit', (code) => resolve(code)));
  assert.equal(exit, 0, `bench exited with ${exit}:\n${bench.output().slice(-6000)}`);

  const json = join(outDir, 'quick-all.json');
  const markdown = join(outDir, 'quick-all.md');
  const chart = join(outDir, 'quick-all-broadcast-latency.svg');
  for (const file of [json, markdown, chart]) assert.ok(existsSync(file), `${file} was not written`);
  const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
  const { broadcast, connect, idle, rpc } = report.results;
  for (const [name, results] of Object.entries({ broadcast, connect, idle, rpc })) {
    // connect measures our gateway twice: over RPC and with no RPC app (norpc variant).
    const expected = name === 'connect' ? ['gateway', ...PEERS] : PEERS;
    assert.deepEqual(results?.map((result) => result.peer), expected, `${name}: every peer measured, in order`);
    for (const result of results ?? []) assert.equal(result.error, undefined, `${name} ${result.peer}: ${result.error}`);
  }
  for (const result of broadcast ?? []) {
    assert.equal(result.subscribed, result.clients, `broadcast ${result.peer}: every client subscribed`);
    assert.equal(result.expected, result.clients * result.broadcasts);
    assert.equal(result.delivered, result.expected, `broadcast ${result.peer}: every broadcast reached every client`);
    assert.equal(result.deliveredPercent, 100);
    assert.equal(result.duplicates, 0, `broadcast ${result.peer}: no duplicates`);
    assert.equal(result.outOfOrder, 0, `broadcast ${result.peer}: in order`);
    assert.equal(result.latencyMs.count, result.expected, `broadcast ${result.peer}: one latency sample per delivery`);
    const { p50, p95, p99, max } = result.latencyMs;
    assert.ok(0 < p50 && p50 <= p95 && p95 <= p99 && p99 <= max, `broadcast ${result.peer}: percentiles ordered ${JSON.stringify(result.latencyMs)}`);
  }
  for (const result of connect ?? []) {
    assert.equal(result.subscribed, result.clients, `connect ${result.peer}: every client subscribed`);
    assert.ok(result.connectionsPerSecond > 0);
    assert.equal(result.connectMs.count, result.clients);
    for (const cpu of result.cpu) assert.ok(cpu.cpuMs >= 0 && Number.isFinite(cpu.msPerConnection), `connect ${result.peer}: CPU of ${cpu.name} read`);
  }
  for (const id of ['gateway']) {
    assert.deepEqual(connect?.find((result) => result.peer === id)?.cpu.map((c) => c.name), [id, 'rpc'], `connect ${id}: CPU of the gateway and its RPC app`);
  }
  for (const result of idle ?? []) {
    assert.equal(result.stillOpen, result.clients, `idle ${result.peer}: every client held`);
    assert.ok(result.baselineRssBytes > 0 && result.rssBytes > 0, `idle ${result.peer}: RSS read`);
    assert.ok(Number.isFinite(result.rssPerConnectionKB) && Number.isFinite(result.heapPerConnectionKB));
    assert.ok(result.baselineAsIsRssBytes > 0 && result.asIsRssBytes > 0 && Number.isFinite(result.asIsRssPerConnectionKB), `idle ${result.peer}: RSS as-is read`);
  }
  assert.deepEqual(idle?.find((result) => result.peer === 'gateway')?.companions.map((c) => c.name), ['rpc']);
  for (const result of rpc ?? []) {
    assert.ok(result.completed > 0, `rpc ${result.peer}: commands answered`);
    assert.equal(result.unanswered, 0, `rpc ${result.peer}: nothing left unanswered`);
    assert.ok(result.commandsPerSecond > 0);
  }
  assert.deepEqual(
    report.ratios.filter((ratio) => ratio.scenario === 'broadcast' && ratio.metric === 'p99 latency').map((ratio) => ratio.versus),
    ['socketio', 'ws'],
    'headline ratios of the gateway to each peer',
  );
  assert.equal(report.machine.cores > 0, true);
  const table = readFileSync(markdown, 'utf8');
  for (const heading of ['### Headline', '### broadcast', '### connect', '### idle', '### rpc']) assert.ok(table.includes(heading), `markdown has ${heading}`);
  const svg = readFileSync(chart, 'utf8');
  assert.match(svg, /^<svg[\s\S]*<\/svg>$/);
  for (const title of broadcast?.map((result) => result.title) ?? []) assert.ok(svg.includes(title), `chart names ${title}`);
});

test('bench refuses bad options with a clear message and exit code 2', async () => {
  const bench = startProcess(process.execPath, ['dist/bench/src/cli.js', 'broadcast', '--connections', 'many'], {}, 'bench');
  const exit = await new Promise<number | null>((resolve) => bench.child.once('exit', (code) => resolve(code)));
  assert.equal(exit, 2);
  assert.match(bench.output(), /--connections must be a positive integer, got "many"/);
});
