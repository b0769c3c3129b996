import type { StormMode } from '../cli-options.js';
import { onInterrupt } from '../cleanup.js';
import type { ReliabilityReport } from '../load/worker-messages.js';
import { WorkerPool } from '../load/worker-pool.js';
import { readCpuMs } from '../peers/process-cpu.js';
import type { StormResult } from '../report/results.js';
import { round, summarize, total } from '../statistics.js';
import { startStormGateway, type StormGateway } from '../storm/storm-gateway.js';
import { describeErrors, sleep, tick, writeNodeLogs, type Scenario, type ScenarioContext } from './scenario.js';

/**
 * How long the old gateway gets after SIGTERM before the bench SIGKILLs it: past the gateway's
 * shutdown_timeout (30 s), so the measured stop is always the graceful one (a kill is reported).
 */
const STOP_GRACE_MS = 45_000;

/**
 * How long a client waits for the WebSocket handshake (in a storm, the accept queue's wait).
 * @anycable/core's WebSocket transport sets no timeout of its own (a browser's applies, far
 * longer); 60 s, as the connect scenario's clients.
 */
const HANDSHAKE_TIMEOUT_MS = 60_000;

/**
 * storm (our gateway only): N clients subscribed through one gateway in front of the RPC app; the
 * gateway is restarted (SIGTERM: every client gets `disconnect` server_restart and a 1001 close,
 * the pending Disconnect calls are flushed, the process exits; then a new one starts on the same
 * port). Every client reconnects at once (within 500 ms; a refused attempt is retried after 250 ms,
 * doubling up to 1 s), once per mode: `plain` gets a new session through Connect + subscribe RPCs,
 * `restore` asks for its session back (`?sid=`) from broker=redis, `jwt` identifies with a JWT and
 * follows a signed stream. Measured: SIGTERM → every client subscribed again, the new gateway's
 * ready → the same, the clients that did not come back, sessions restored / new, the RPC app's CPU
 * over the storm, and the new gateway's CPU per client.
 */
export const stormScenario: Scenario<StormResult> = {
  name: 'storm',
  describe: (o) =>
    `${o.connections} subscribed clients on one gateway, once per mode (${o.stormModes.join(', ')}); the gateway is restarted ` +
    '(SIGTERM: server_restart and a 1001 close to every client, its Disconnect calls flushed, exit; then started again on the same port); ' +
    'every client reconnects at once, retrying while the port is closed: plain = a new session through Connect + subscribe RPCs, ' +
    'restore = its session restored from broker=redis (?sid=, no RPC), jwt = a JWT (?jid=) and a signed stream (no RPC). ' +
    "Time until all are back, the RPC app's CPU meanwhile, the new gateway's CPU per client.",
  variantsOf: (peer, o) => (peer.id === 'gateway' ? [...o.stormModes] : []),

  measure: async (peer, context, variant = 'plain') => {
    const mode = variant as StormMode;
    const label = `[storm] gateway ${mode}`;
    context.progress.update(`${label}: starting`);
    const setup = await startStormGateway(mode, context.redisUrl);
    const forgetSetup = onInterrupt(() => setup.stop());
    let workers: WorkerPool | undefined;
    let forgetWorkers = (): void => undefined;
    try {
      workers = await WorkerPool.start(context.options.workers);
      const started = workers;
      forgetWorkers = onInterrupt(() => started.stop());
      return await storm(`${peer.title}, ${setup.title}`, mode, setup, workers, context, label);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${setup.output()}`, { cause: error });
    } finally {
      context.progress.update(`${label}: stopping`);
      await workers?.stop();
      forgetWorkers();
      writeNodeLogs(context, peer.id, mode, setup.logs());
      await setup.stop();
      forgetSetup();
    }
  },
};

async function storm(title: string, mode: StormMode, setup: StormGateway, workers: WorkerPool, context: ScenarioContext, label: string): Promise<StormResult> {
  const { options } = context;
  const count = options.connections;
  const timeoutMs = 120_000 + count * 10;
  const share = (index: number): number => Math.floor(count / workers.size) + (index < count % workers.size ? 1 : 0);
  const firstIndex = (index: number): number => Array.from({ length: index }, (_, i) => share(i)).reduce((a, b) => a + b, 0);
  let phase = 'subscribing';
  const stopTicker = tick(context, () => `${label}: ${phase}; ${workers.progress().subscribed}/${count} subscribed`);
  try {
    const opened = await workers.all((index) => ({
      kind: 'reliable-open' as const,
      urls: [setup.url],
      protocol: 'cable-restore' as const,
      count: share(index),
      firstIndex: firstIndex(index),
      concurrency: options.concurrency,
      identifier: setup.identifier,
      room: '',
      keepSidOnRestart: setup.keepSidOnRestart,
      handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS,
      expectedBroadcasts: 0,
      timeoutMs,
    }));
    const live = total(opened, (reply) => reply.live);
    // The last snapshots reach the broker, the connect phase's work winds down.
    await sleep(options.quick ? 500 : 2_000);
    const before = await workers.all(() => ({ kind: 'reliable-collect' as const }));

    phase = 'SIGTERM, waiting for the old gateway to exit';
    const clientsCpu = (): number => workers.pids.reduce((sum, pid) => sum + readCpuMs(pid), 0);
    const clientsAtSigterm = clientsCpu();
    const oldGatewayCpu = followCpu(setup.gateway.pid);
    const rpcAtSigterm = readCpuMs(setup.rpcPid);
    const sigtermAt = Date.now();
    let stoppedAt = sigtermAt;
    let exitCode: number | null = 0;
    await setup.gateway.restart('SIGTERM', {
      stopGraceMs: STOP_GRACE_MS,
      stopped: (code) => {
        stoppedAt = Date.now();
        oldGatewayCpu.stop();
        exitCode = code;
        phase = 'starting the new gateway';
      },
    });
    const readyAt = Date.now();
    const rpcAtReady = readCpuMs(setup.rpcPid);
    const clientsAtReady = clientsCpu();
    const gatewayPid = setup.gateway.pid;
    const gatewayAtReady = gatewayPid ? readCpuMs(gatewayPid) : 0;
    phase = 'clients coming back';
    await waitUntilSettled(workers, live, before, readyAt + timeoutMs);
    const rpcAtBack = readCpuMs(setup.rpcPid);
    const clientsAtBack = clientsCpu();
    const gatewayCpuMs = gatewayPid ? readCpuMs(gatewayPid) - gatewayAtReady : 0;
    const after = await workers.all(() => ({ kind: 'reliable-collect' as const }));
    const rpcCalls = await readCounter(setup.metricsUrl, 'anycable_go_rpc_call_total');

    const back = total(after, (r) => r.live);
    const backAt = back >= live ? Math.max(...after.map((r) => r.lastCaughtUpAt)) : 0;
    const errors = newCounts(before, after, (r) => r.errors);
    const rpcCpuMs = rpcAtBack - rpcAtSigterm;
    const perClient = (ms: number): number => (live ? round(ms / live, 3) : 0);
    const result: StormResult = {
      peer: 'gateway',
      title,
      variant: mode,
      clients: count,
      subscribed: live,
      back,
      failed: Math.max(0, live - back),
      errors,
      attemptErrors: newCounts(before, after, (r) => r.attemptErrors),
      restored: total(after, (r) => r.restored) - total(before, (r) => r.restored),
      fresh: total(after, (r) => r.fresh) - total(before, (r) => r.fresh),
      sigtermToBackSeconds: backAt ? round((backAt - sigtermAt) / 1000, 2) : -1,
      readyToBackSeconds: backAt ? round((backAt - readyAt) / 1000, 2) : -1,
      stopSeconds: round((stoppedAt - sigtermAt) / 1000, 2),
      restartSeconds: round((readyAt - sigtermAt) / 1000, 2),
      reconnectMs: summarize(after.map((r) => r.restoreMs)),
      rpcCpuMs: round(rpcCpuMs, 0),
      rpcCpuMsPerClient: perClient(rpcCpuMs),
      rpcShutdownCpuMs: round(rpcAtReady - rpcAtSigterm, 0),
      rpcReconnectCpuMs: round(rpcAtBack - rpcAtReady, 0),
      newGatewayRpcCalls: rpcCalls,
      oldGatewayStopCpuMs: round(oldGatewayCpu.usedMs(), 0),
      gatewayCpuMs: round(gatewayCpuMs, 0),
      clientsRestartCpuMs: round(clientsAtReady - clientsAtSigterm, 0),
      clientsReconnectCpuMs: round(clientsAtBack - clientsAtReady, 0),
      gatewayCpuMsPerClient: perClient(gatewayCpuMs),
    };
    const failedAtFirst = total(opened, (reply) => reply.failed);
    const problems = [
      failedAtFirst > 0 ? `${failedAtFirst} clients did not subscribe at first: ${describeErrors(Object.assign({}, ...opened.map((reply) => reply.errors)))}` : '',
      exitCode !== 0 ? `the old gateway did not exit by itself after SIGTERM (exit code ${String(exitCode)}; SIGKILLed after ${STOP_GRACE_MS} ms?)` : '',
      rpcCalls < 0 ? `the new gateway's ${setup.metricsUrl} could not be read` : '',
      back < live ? `only ${back}/${live} clients were back${Object.keys(errors).length ? `: ${describeErrors(errors)}` : ' before the deadline'}` : '',
    ].filter(Boolean);
    if (problems.length) result.error = problems.join('; ');
    return result;
  } finally {
    stopTicker();
  }
}

/**
 * Waits until each of the `live` clients has come back once (a reconnection caught up) or failed,
 * counted from the reports taken before the restart, or until `deadline`. Progress arrives from the
 * workers every 500 ms; the exact time the last client came back is read from their reports.
 */
async function waitUntilSettled(workers: WorkerPool, live: number, before: ReliabilityReport[], deadline: number): Promise<void> {
  const reconnectsBefore = total(before, (r) => r.reconnects);
  const failedBefore = total(before, (r) => r.failed);
  while (Date.now() < deadline) {
    await sleep(100);
    const progress = workers.progress();
    const failed = progress.failed - failedBefore;
    if (progress.completed - reconnectsBefore + failed >= live && progress.subscribed + failed >= live) return;
  }
}

/**
 * The CPU a process uses until it exits: /proc is read every 100 ms while it lives (the last reading
 * before the exit is what it used, at most 100 ms short).
 */
function followCpu(pid: number | undefined): { stop(): void; usedMs(): number } {
  const read = (): number | undefined => {
    try {
      return pid ? readCpuMs(pid) : undefined;
    } catch (error) {
      // ENOENT: the process is gone, its last reading stands; anything else is worth a line.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') process.stderr.write(`bench storm: /proc/${pid}/stat not read: ${(error as Error).message}\n`);
      return undefined;
    }
  };
  const first = read() ?? 0;
  let last = first;
  const timer = setInterval(() => (last = read() ?? last), 100);
  return {
    stop: () => clearInterval(timer),
    usedMs: () => last - first,
  };
}

/** A counter of the gateway's Prometheus endpoint (-1 when it cannot be read). */
async function readCounter(url: string, name: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    const match = new RegExp(`^${name} (\\d+)$`, 'm').exec(await response.text());
    return match ? Number(match[1]) : -1;
  } catch (error) {
    process.stderr.write(`bench storm: ${url} not read: ${(error as Error).message}\n`);
    return -1;
  }
}

/** Counts by reason (of `counts`) that grew after `before` was taken. */
function newCounts(before: ReliabilityReport[], after: ReliabilityReport[], counts: (report: ReliabilityReport) => Record<string, number>): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const report of after) for (const [reason, times] of Object.entries(counts(report))) sums[reason] = (sums[reason] ?? 0) + times;
  for (const report of before) for (const [reason, times] of Object.entries(counts(report))) sums[reason] = (sums[reason] ?? 0) - times;
  return Object.fromEntries(Object.entries(sums).filter(([, times]) => times > 0));
}
