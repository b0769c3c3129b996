import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchOptions, ScenarioName } from '../cli-options.js';
import { onInterrupt } from '../cleanup.js';
import type { SubscriptionTarget } from '../load/client-protocol.js';
import { WorkerPool } from '../load/worker-pool.js';
import type { Peer, RunningPeer } from '../peers/peer.js';
import { total } from '../statistics.js';
import type { Progress } from '../progress.js';
import type { PeerMeasurement } from '../report/results.js';

/** What every scenario gets from the run. */
export interface ScenarioContext {
  options: BenchOptions;
  redisUrl: string;
  progress: Progress;
}

/** One scenario: measures one peer at a time. */
export interface Scenario<R extends PeerMeasurement> {
  readonly name: ScenarioName;
  /** One line on what the numbers mean, for the report. */
  describe(options: BenchOptions): string;
  /**
   * The measurements of one peer, when not exactly one: e.g. our gateway once per broker. Empty when
   * the scenario does not apply to the peer. Each is passed to `measure` as `variant`.
   */
  variantsOf?(peer: Peer, options: BenchOptions): string[];
  measure(peer: Peer, context: ScenarioContext, variant?: string): Promise<R>;
}

/** A started peer with fresh load workers, for one measurement. */
export interface Session {
  peer: Peer;
  server: RunningPeer;
  workers: WorkerPool;
  context: ScenarioContext;
  label: string;
}

/**
 * Starts the peer (with the inspector when memory is measured, with --cpu-prof when asked) and
 * fresh load workers, runs `body`, and stops both whatever happens.
 */
export async function withSession<T>(
  scenario: ScenarioName,
  peer: Peer,
  context: ScenarioContext,
  settings: { inspect: boolean },
  body: (session: Session) => Promise<T>,
): Promise<T> {
  const { options } = context;
  const label = `[${scenario}] ${peer.id}`;
  context.progress.update(`${label}: starting`);
  const profiles = options.cpuProf ? join(options.outDir, 'profiles', `${scenario}-${peer.id}`) : undefined;
  const server = await peer.start({ redisUrl: context.redisUrl, inspect: settings.inspect, cpuProfDir: profiles });
  const forgetServer = onInterrupt(() => server.stop());
  let workers: WorkerPool | undefined;
  let forgetWorkers = (): void => undefined;
  try {
    workers = await WorkerPool.start(options.workers, profiles && join(profiles, 'load-workers'));
    const started = workers;
    forgetWorkers = onInterrupt(() => started.stop());
    return await body({ peer, server, workers, context, label });
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${server.output().slice(-3000)}`, { cause: error });
  } finally {
    context.progress.update(`${label}: stopping`);
    await workers?.stop();
    forgetWorkers();
    await server.stop();
    forgetServer();
  }
}

/** Totals of opening clients on every worker. */
export interface OpenTotals {
  subscribed: number;
  failed: number;
  errors: Record<string, number>;
  connectMs: Float32Array[];
  seconds: number;
}

/** Opens `count` subscribed clients spread over the workers, showing progress; never throws on failed clients. */
export async function openClients(session: Session, count: number, target: SubscriptionTarget, url = session.server.url): Promise<OpenTotals> {
  const { workers, context, peer, label } = session;
  const share = (index: number): number => Math.floor(count / workers.size) + (index < count % workers.size ? 1 : 0);
  const started = Date.now();
  const stopTicker = tick(context, () => {
    const progress = workers.progress();
    return `${label}: subscribed ${progress.subscribed}/${count}, failed ${progress.failed}, opening ${progress.opening}`;
  });
  try {
    const replies = await workers.all((index) => ({
      kind: 'open' as const,
      url,
      protocol: peer.protocol,
      count: share(index),
      concurrency: context.options.concurrency,
      target,
      timeoutMs: 120_000 + count * 10,
    }));
    const errors: Record<string, number> = {};
    for (const reply of replies) {
      for (const [reason, times] of Object.entries(reply.errors)) errors[reason] = (errors[reason] ?? 0) + times;
    }
    return {
      subscribed: total(replies, (reply) => reply.subscribed),
      failed: total(replies, (reply) => reply.failed),
      errors,
      connectMs: replies.map((reply) => reply.connectMs),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    stopTicker();
  }
}

/** Shows `line()` as progress every 250 ms until the returned function is called. */
export function tick(context: ScenarioContext, line: () => string): () => void {
  const timer = setInterval(() => context.progress.update(line()), 250);
  return () => clearInterval(timer);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A short text of failure reasons, for a result's error field. */
export function describeErrors(errors: Record<string, number>): string {
  return Object.entries(errors)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([reason, times]) => `${times}× ${reason}`)
    .join('; ');
}

/** What the servers of a measurement printed, beside the results: <out>/logs/<label>-<peer>-<variant>.log. */
export function writeNodeLogs(context: ScenarioContext, peerId: string, variant: string, text: string): void {
  const dir = join(context.options.outDir, 'logs');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${context.options.label}-${peerId}-${variant.replace(/[^\w.-]+/g, '_')}.log`), text);
}
