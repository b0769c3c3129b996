import { publishOnSchedule } from '../broadcast-publisher.js';
import type { BenchOptions, GatewayBroker } from '../cli-options.js';
import { onInterrupt } from '../cleanup.js';
import { WorkerPool } from '../load/worker-pool.js';
import type { Peer } from '../peers/peer.js';
import { startGatewayCluster } from '../reliability/gateway-cluster.js';
import type { ReliabilityCluster } from '../reliability/reliability-cluster.js';
import { startSocketIoCluster } from '../reliability/socket-io-cluster.js';
import type { ReliabilityResult } from '../report/results.js';
import { round, summarize, total } from '../statistics.js';
import { describeErrors, sleep, tick, writeNodeLogs, type Scenario, type ScenarioContext } from './scenario.js';

/** How long the end of a run may go without a new receipt before it stops waiting for the rest. */
const DRAIN_STALL_MS = 10_000;
/** …once every client is live again (what is still missing then was lost, not late). */
const SETTLED_STALL_MS = 3_000;
/** The node restarted midway (the first one). */
const RESTARTED_NODE = 0;
/** Seconds of broadcasts the gateway's history keeps at least (history_limit), so the longest outage fits. */
const HISTORY_SECONDS = 30;

const published = (o: BenchOptions): number => Math.max(1, Math.round(o.reliableRate * o.reliableSeconds));
const historyLimit = (o: BenchOptions): number => Math.max(100, Math.ceil(o.reliableRate * HISTORY_SECONDS));

/**
 * reliability: in the spirit of AnyCable's forced-reconnect test. N clients over two nodes follow one
 * stream while broadcasts are published at R/s; every client is dropped at random moments (socket
 * destroyed, no close frame) and comes back on a random node with its session (our gateway: `?sid=`
 * restore + history from its offsets, as @anycable/web; Socket.IO: connection state recovery, as
 * socket.io-client); one node is restarted midway. Every (client, broadcast) pair is checked:
 * exactly once, duplicated, out of order or lost; and how long each reconnection took to catch up.
 */
export const reliabilityScenario: Scenario<ReliabilityResult> = {
  name: 'reliability',
  describe: (o) =>
    `${o.reliableClients} clients over two nodes; ${published(o)} broadcasts at ${o.reliableRate}/s for ${o.reliableSeconds} s; ` +
    `each client dropped (socket destroyed, no close frame) every ${o.dropEveryMs} ms on average (uniform 0–${2 * o.dropEveryMs} ms after it is back), ` +
    `away 0–${o.outageMs} ms, back on a random node with its session; node 1 restarted with ${o.restartSignal} at ${o.reliableSeconds / 2} s. ` +
    `Gateway: redisx intake, history_limit ${historyLimit(o)}.`,

  variantsOf: (peer, o) => {
    if (peer.id === 'gateway') return o.brokers.map((broker) => `broker=${broker}`);
    if (peer.id === 'socketio') return ['redis-streams-adapter'];
    return []; // the bare ws floor has no sessions to recover
  },

  measure: async (peer, context, variant = '') => {
    const { options } = context;
    const label = `[reliability] ${peer.id} ${variant}`;
    context.progress.update(`${label}: starting two nodes`);
    const cluster = await startCluster(peer, variant, context);
    const forgetCluster = onInterrupt(() => cluster.stop());
    let workers: WorkerPool | undefined;
    let forgetWorkers = (): void => undefined;
    try {
      workers = await WorkerPool.start(options.workers);
      const started = workers;
      forgetWorkers = onInterrupt(() => started.stop());
      return await run(peer, variant, cluster, workers, context, label);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${cluster.output()}`, { cause: error });
    } finally {
      context.progress.update(`${label}: stopping`);
      await workers?.stop();
      forgetWorkers();
      writeNodeLogs(context, peer.id, variant, cluster.logs());
      await cluster.stop();
      forgetCluster();
    }
  },
};

/** The measured setup's name in tables. */
export function titleOf(peer: Peer, variant: string): string {
  if (peer.id === 'socketio') return 'Socket.IO 4, connection state recovery on redis-streams-adapter';
  return `${peer.title}, ${variant}`;
}

function startCluster(peer: Peer, variant: string, context: ScenarioContext): Promise<ReliabilityCluster> {
  if (peer.id === 'gateway') return startGatewayCluster(variant.replace('broker=', '') as GatewayBroker, context.redisUrl, historyLimit(context.options));
  if (peer.id === 'socketio') return startSocketIoCluster(context.redisUrl);
  throw new Error(`the reliability scenario has no cluster for ${peer.id}`);
}

async function run(peer: Peer, variant: string, cluster: ReliabilityCluster, workers: WorkerPool, context: ScenarioContext, label: string): Promise<ReliabilityResult> {
  const { options } = context;
  const clients = options.reliableClients;
  const count = published(options);
  const share = (index: number): number => Math.floor(clients / workers.size) + (index < clients % workers.size ? 1 : 0);
  const firstIndex = (index: number): number => Array.from({ length: index }, (_, i) => share(i)).reduce((a, b) => a + b, 0);
  let phase = 'subscribing';
  let sent = 0;
  const stopTicker = tick(context, () => {
    const p = workers.progress();
    return `${label}: ${phase}; published ${sent}/${count}, live ${p.subscribed}/${clients}, reconnects ${p.completed}, received ${p.received}/${clients * count}`;
  });
  try {
    const opened = await workers.all((index) => ({
      kind: 'reliable-open' as const,
      urls: cluster.urls,
      protocol: cluster.protocol,
      count: share(index),
      firstIndex: firstIndex(index),
      concurrency: options.concurrency,
      identifier: cluster.identifier,
      room: cluster.room,
      keepSidOnRestart: false,
      // A node that does not answer within 10 s is given up for the other one.
      handshakeTimeoutMs: 10_000,
      expectedBroadcasts: count,
      timeoutMs: 60_000 + clients * 20,
    }));
    const subscribed = total(opened, (reply) => reply.live);
    const openErrors: Record<string, number> = {};
    for (const reply of opened) for (const [reason, times] of Object.entries(reply.errors)) openErrors[reason] = (openErrors[reason] ?? 0) + times;

    phase = 'publishing, dropping clients';
    await workers.all(() => ({ kind: 'reliable-drops' as const, meanIntervalMs: options.dropEveryMs, outageMaxMs: options.outageMs }));
    const restartAt = (options.reliableSeconds / 2) * 1000;
    const restart = (async () => {
      await sleep(restartAt);
      phase = `restarting node ${RESTARTED_NODE + 1}`;
      const began = performance.now();
      await cluster.restart(RESTARTED_NODE, options.restartSignal);
      phase = 'publishing, dropping clients';
      return performance.now() - began;
    })();
    const publishing = publishOnSchedule(
      { stream: cluster.room, firstSeq: 1, count, rate: options.reliableRate, payloadBytes: options.payloadBytes, onPublished: () => (sent += 1) },
      (data) => cluster.publisher.publish(data),
    );
    const [downMs] = await Promise.all([restart, publishing]);
    await workers.all(() => ({ kind: 'reliable-drops' as const, meanIntervalMs: 0, outageMaxMs: 0 }));
    phase = 'waiting for the last clients to catch up';
    await waitForEveryone(workers, clients, clients * count);

    const reports = await workers.all(() => ({ kind: 'reliable-collect' as const }));
    const expected = clients * count;
    const exactlyOnce = total(reports, (r) => r.exactlyOnce);
    const errors: Record<string, number> = { ...openErrors };
    for (const report of reports) for (const [reason, times] of Object.entries(report.errors)) errors[reason] = (errors[reason] ?? 0) + times;
    const result: ReliabilityResult = {
      peer: peer.id,
      title: titleOf(peer, variant),
      variant,
      clients,
      subscribed,
      published: count,
      expected,
      exactlyOnce,
      exactlyOncePercent: round((exactlyOnce / expected) * 100, 2),
      duplicates: total(reports, (r) => r.duplicates),
      outOfOrder: total(reports, (r) => r.outOfOrder),
      lost: total(reports, (r) => r.lost),
      drops: total(reports, (r) => r.drops),
      reconnects: total(reports, (r) => r.reconnects),
      restored: total(reports, (r) => r.restored),
      fresh: total(reports, (r) => r.fresh),
      historyRejected: total(reports, (r) => r.historyRejected),
      liveAtEnd: total(reports, (r) => r.live),
      restart: { signal: options.restartSignal, node: RESTARTED_NODE + 1, atSecond: restartAt / 1000, downMs: round(downMs, 0) },
      restoreMs: summarize(reports.map((r) => r.restoreMs)),
    };
    const unexpected = total(reports, (r) => r.unexpected);
    const problems = [
      subscribed < clients ? `${clients - subscribed} clients did not subscribe: ${describeErrors(openErrors)}` : '',
      unexpected > 0 ? `${unexpected} receipts of numbers never published` : '',
      Object.keys(errors).length ? `client failures: ${describeErrors(errors)}` : '',
    ].filter(Boolean);
    if (problems.length) result.error = problems.join('; ');
    return result;
  } finally {
    stopTicker();
  }
}

/** Waits until every client is live again and has every broadcast, or until receipts stop growing for DRAIN_STALL_MS. */
async function waitForEveryone(workers: WorkerPool, clients: number, expected: number): Promise<void> {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    await sleep(250);
    const progress = workers.progress();
    if (progress.subscribed >= clients && progress.received >= expected) {
      await sleep(600); // one more progress report: duplicates arriving with the last receipts are counted
      return;
    }
    const now = progress.received + progress.subscribed;
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > (progress.subscribed >= clients ? SETTLED_STALL_MS : DRAIN_STALL_MS)) {
      return;
    }
  }
}
