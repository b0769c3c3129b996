/**
 * `npm run bench -- <scenario...|all> [options]`: measures our gateway and its peers (Socket.IO with
 * the Redis adapter, a bare ws fan-out server) in one run, on this machine, with the same clients,
 * and writes <label>.json, <label>.md and <label>-broadcast-latency.svg. See bench/README.md.
 * `reliability` measures two-node clusters (our gateway per broker, Socket.IO with recovery).
 */
import { loadavg } from 'node:os';
import { startRedis } from '../../test/support/index.js';
import { parseOptions, USAGE, type BenchOptions, type ScenarioName } from './cli-options.js';
import { onInterrupt, stopEverything, stopEverythingOnSignals } from './cleanup.js';
import { hardFdLimit } from './fd-limit.js';
import { peerById } from './peers/peer-registry.js';
import { Progress } from './progress.js';
import { describeMachine } from './report/machine.js';
import { computeRatios } from './report/ratios.js';
import type { BenchReport, PeerMeasurement, ScenarioResults } from './report/results.js';
import { writeReport } from './report/write-report.js';
import { broadcastScenario } from './scenarios/broadcast.scenario.js';
import { connectScenario } from './scenarios/connect.scenario.js';
import { idleScenario } from './scenarios/idle.scenario.js';
import { reliabilityScenario, titleOf } from './scenarios/reliability.scenario.js';
import { stormScenario } from './scenarios/storm.scenario.js';
import { rpcScenario } from './scenarios/rpc.scenario.js';
import { deployScenario } from './scenarios/deploy.scenario.js';
import type { Scenario } from './scenarios/scenario.js';
import { round } from './statistics.js';

const SCENARIOS: { [K in ScenarioName]: Scenario<NonNullable<ScenarioResults[K]>[number]> } = {
  broadcast: broadcastScenario,
  connect: connectScenario,
  idle: idleScenario,
  rpc: rpcScenario,
  reliability: reliabilityScenario,
  deploy: deployScenario,
  storm: stormScenario,
};

/** Sockets a process needs beyond its clients (Redis, IPC, files, inspector). */
const FD_MARGIN = 200;

function checkPrerequisites(options: BenchOptions): void {
  const unavailable = options.peers
    .map((id) => [id, peerById(id).unavailableReason()] as const)
    .filter(([, reason]) => reason !== undefined);
  if (unavailable.length) {
    throw new Error(`cannot measure ${unavailable.map(([id, reason]) => `${id} (${reason})`).join(', ')}; choose peers with --peers`);
  }
  const clients = Math.max(options.connections, options.rpcClients);
  const limit = hardFdLimit();
  const needed = clients + FD_MARGIN;
  if (limit < needed) {
    throw new Error(`the hard open-files limit is ${limit}, a server holding ${clients} connections needs ${needed}: raise it (ulimit -Hn / limits.conf) or lower --connections`);
  }
}

async function run(options: BenchOptions, progress: Progress): Promise<BenchReport> {
  const redis = await startRedis();
  const forgetRedis = onInterrupt(() => redis.stop());
  const results: ScenarioResults = {};
  try {
    for (const name of options.scenarios) {
      const scenario = SCENARIOS[name];
      progress.log(`== ${name}: ${scenario.describe(options)}`);
      const measured: PeerMeasurement[] = [];
      for (const id of options.peers) {
        const peer = peerById(id);
        const variants: (string | undefined)[] = scenario.variantsOf?.(peer, options) ?? [undefined];
        if (variants.length === 0) progress.log(`${name} ${id}: does not apply`);
        for (const variant of variants) {
          const started = Date.now();
          const loadBefore = loadavg()[0];
          let result: PeerMeasurement;
          try {
            result = await scenario.measure(peer, { options, redisUrl: redis.url, progress }, variant);
          } catch (error) {
            result = { peer: id, title: variant ? titleOf(peer, variant) : peer.title, ...(variant ? { variant } : {}), error: (error as Error).message };
          }
          result.loadAverage = [round(loadBefore, 2), round(loadavg()[0], 2)];
          measured.push(result);
          progress.log(`${name} ${id}${variant ? ` ${variant}` : ''} (${((Date.now() - started) / 1000).toFixed(1)} s): ${summaryLine(name, result)}`);
        }
      }
      (results as Record<string, PeerMeasurement[]>)[name] = measured;
    }
  } finally {
    await redis.stop();
    forgetRedis();
  }
  return {
    generatedAt: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`,
    machine: describeMachine(),
    options,
    results,
    // The issue's targets hold for the full-size run; a --quick run is a smoke test, not meant to meet them.
    ratios: computeRatios(results, { withTargets: !options.quick }),
  };
}

function summaryLine(name: ScenarioName, result: PeerMeasurement): string {
  if (result.error && !('clients' in result)) return `FAILED: ${result.error.split('\n').slice(0, 30).join('\n  ')}`;
  const r = result as unknown as Record<string, unknown>;
  const latency = r.latencyMs as { p50: number; p99: number } | undefined;
  const text: Record<ScenarioName, () => string> = {
    broadcast: () => `delivered ${String(r.deliveredPercent)}%, p50 ${latency?.p50} ms, p99 ${latency?.p99} ms`,
    connect: () =>
      `${String(r.connectionsPerSecond)} connections/s (${String(r.subscribed)}/${String(r.clients)}), CPU ms/conn ` +
      ((r.cpu as { name: string; msPerConnection: number }[] | undefined) ?? []).map((c) => `${c.name} ${c.msPerConnection}`).join(', '),
    idle: () => `${String(r.asIsRssPerConnectionKB)} KB RSS/conn as-is, ${String(r.rssPerConnectionKB)} after GC, ${String(r.heapPerConnectionKB)} KB heap/conn`,
    rpc: () => `${String(r.commandsPerSecond)} commands/s, p99 ${latency?.p99} ms`,
    deploy: () =>
      `${String(r.answered)} answered, ${String(r.refusedUnrun)}+${String(r.refusedMaybeRun)} refused, ${String(r.unanswered)} without outcome, ${String(r.dropped)} dropped of ${String(r.sent)} commands`,
    reliability: () => {
      const restore = r.restoreMs as { p50: number; p99: number } | undefined;
      return `exactly once ${String(r.exactlyOncePercent)}%, ${String(r.duplicates)} duplicates, ${String(r.outOfOrder)} out of order, ${String(r.lost)} lost; restore p50 ${restore?.p50} ms, p99 ${restore?.p99} ms`;
    },
    storm: () =>
      `${String(r.back)}/${String(r.subscribed)} back (${String(r.restored)} restored, ${String(r.fresh)} new) ${String(r.sigtermToBackSeconds)} s after SIGTERM ` +
      `(${String(r.readyToBackSeconds)} s after ready); RPC app CPU ${String(r.rpcCpuMsPerClient)} ms/client, new gateway ${String(r.gatewayCpuMsPerClient)} ms/client`,
  };
  return `${text[name]()}${result.error ? ` — ${result.error.split('\n')[0]}` : ''}`;
}

async function main(): Promise<number> {
  let options: BenchOptions;
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    options = parseOptions(argv);
    checkPrerequisites(options);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  stopEverythingOnSignals();
  const progress = new Progress();
  const report = await run(options, progress);
  const descriptions = Object.fromEntries(options.scenarios.map((name) => [name, SCENARIOS[name].describe(options)]));
  const files = await writeReport(options.outDir, report, descriptions);
  progress.log(`results: ${files.join(', ')}`);
  for (const ratio of report.ratios) {
    progress.log(`  ${ratio.scenario} ${ratio.metric}: gateway ÷ ${ratio.versus} = ${ratio.value}${ratio.target ? ` (target ${ratio.target})` : ''}`);
  }
  const failed = Object.values(report.results).flat().filter((result: PeerMeasurement) => result.error);
  if (failed.length) {
    progress.log(`${failed.length} measurement(s) had problems; see the markdown results`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    await stopEverything();
    process.exit(1);
  },
);
