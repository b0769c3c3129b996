import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../../test/support/index.js';
import { CLIENT_PLACEHOLDER } from '../load/client-protocol.js';
import { WorkerPool } from '../load/worker-pool.js';
import { BENCH_JWT_SECRET, GATEWAY_SCRIPT, RPC_SCRIPT, gatewayPeer } from '../peers/gateway.peer.js';
import { startNodeProcess, type NodeProcess } from '../peers/node-process.js';
import type { DeployResult } from '../report/results.js';
import { summarize, total } from '../statistics.js';
import { describeErrors, openClients, tick, type Scenario, type Session } from './scenario.js';

/** Each client follows its own actuator and speaks; the app's broadcast back is the answer (as in rpc). */
const ACTUATOR_TARGET = { identifier: JSON.stringify({ channel: 'actuator', id: `deploy-${CLIENT_PLACEHOLDER}` }), stream: `actuator_deploy-${CLIENT_PLACEHOLDER}` };
const SPEAK = { action: 'speak' };
const BENCH_USER = 'deploy-user';
/** Steady traffic before the RPC app is stopped. */
const BEFORE_MS = 5_000;
/** Traffic goes on this long after the gap (the app's start, then steady traffic again). */
const AFTER_GAP_MS = 20_000;

/**
 * deploy (our gateway only: the peers have no RPC app): N clients subscribed, each sending a `speak`
 * every P ms; BEFORE_MS in, the RPC app gets SIGTERM, and is started again G ms after it exited. Every
 * command's outcome is counted: answered, refused (rpc_unavailable / rpc_timeout), none; and every
 * client must stay connected.
 */
export const deployScenario: Scenario<DeployResult> = {
  name: 'deploy',
  describe: (o) =>
    `${o.connections} clients, a speak every ${o.deployPeriodMs} ms each; the RPC app is stopped (SIGTERM) and started again ${o.deployGapMs} ms after its exit; ` +
    `gateway rpc_request_timeout=${o.deployTimeoutMs} ms. Outcome of every command (answered / refused / none) and clients dropped.`,
  variantsOf: (peer) => (peer.id === 'gateway' ? ['rpc-restart'] : []),

  async measure(peer, context) {
    const { options } = context;
    const rpcHost = `127.0.0.1:${await freePort()}`;
    const port = await freePort();
    const broadcasting = { ANYCABLE_REDIS_URL: context.redisUrl, ANYCABLE_BROADCAST_ADAPTER: 'redis' };
    const startRpc = (): Promise<NodeProcess> =>
      startNodeProcess({ script: RPC_SCRIPT, name: 'rpc', env: { ...broadcasting, ANYCABLE_RPC_HOST: rpcHost, JWT_SECRET: BENCH_JWT_SECRET }, ready: /RPC server listening on/, readyTimeoutMs: 120_000 });
    let rpc = await startRpc();
    const gateway = await startNodeProcess({
      script: GATEWAY_SCRIPT,
      name: 'gateway',
      env: { ...broadcasting, ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: String(port), ANYCABLE_RPC_HOST: rpcHost, ANYCABLE_RPC_REQUEST_TIMEOUT: String(options.deployTimeoutMs) },
      ready: /Gateway listening on/,
      readyTimeoutMs: 120_000,
    });
    const workers = await WorkerPool.start(options.workers);
    const label = '[deploy] gateway';
    try {
      const url = `ws://127.0.0.1:${port}/cable`;
      const server = { url, pid: gateway.pid, companions: [], output: () => gateway.process.output(), stop: async () => undefined };
      const session: Session = { peer, server, workers, context, label: `${label} (rpc_request_timeout=${options.deployTimeoutMs})` };
      const opened = await openClients(session, options.connections, ACTUATOR_TARGET, gatewayPeer.urlForUser(url, BENCH_USER));
      const durationMs = BEFORE_MS + options.deployGapMs + AFTER_GAP_MS;
      const started = Date.now();
      const stopTicker = tick(context, () => `${label}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${phase}`);
      let phase = 'steady traffic';
      const run = workers.all(() => ({ kind: 'steady-commands' as const, durationMs, periodMs: options.deployPeriodMs, graceMs: options.deployTimeoutMs + 5_000, data: SPEAK }));
      await sleep(BEFORE_MS);
      phase = 'RPC app stopping';
      const stoppedAt = Date.now();
      const exitCode = await rpc.process.stop('SIGTERM', 30_000);
      const exitMs = Date.now() - stoppedAt;
      phase = 'RPC app down';
      await sleep(options.deployGapMs);
      phase = 'RPC app starting';
      rpc = await startRpc();
      const backMs = Date.now() - stoppedAt;
      phase = 'steady traffic after the restart';
      const replies = await run.finally(stopTicker);
      const status = await workers.all(() => ({ kind: 'status' as const }));
      const result: DeployResult = {
        peer: peer.id,
        title: peer.title,
        clients: options.connections,
        subscribed: opened.subscribed,
        periodMs: options.deployPeriodMs,
        requestTimeoutMs: options.deployTimeoutMs,
        rpcExitMs: exitMs,
        rpcBackMs: backMs,
        sent: total(replies, (r) => r.sent),
        answered: total(replies, (r) => r.answered),
        refusedUnrun: total(replies, (r) => r.refusedUnrun),
        refusedMaybeRun: total(replies, (r) => r.refusedMaybeRun),
        answeredAfterRefusal: total(replies, (r) => r.answeredAfterRefusal),
        duplicates: total(replies, (r) => r.duplicates),
        unanswered: total(replies, (r) => r.unanswered),
        dropped: total(replies, (r) => r.dropped) + total(status, (s) => s.dropped),
        openAtEnd: total(status, (s) => s.open),
        outcomeMs: summarize(replies.map((r) => r.outcomeMs)),
      };
      const problems: string[] = [];
      if (exitCode !== 0) problems.push(`the RPC app exited with ${exitCode} on SIGTERM`);
      if (opened.failed > 0) problems.push(`${opened.failed} clients did not subscribe: ${describeErrors(opened.errors)}`);
      if (result.dropped > 0) problems.push(`${result.dropped} clients disconnected`);
      if (result.unanswered > 0) problems.push(`${result.unanswered} commands got no outcome`);
      if (result.duplicates > 0) problems.push(`${result.duplicates} commands got two outcomes`);
      if (result.outcomeMs.max > options.deployTimeoutMs + 2_000) problems.push(`an outcome came ${result.outcomeMs.max} ms after its command (deadline ${options.deployTimeoutMs} ms)`);
      if (backMs > durationMs - BEFORE_MS) problems.push(`the RPC app was back only after the traffic ended (${backMs} ms after SIGTERM)`);
      if (problems.length) result.error = problems.join('; ');
      return result;
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${gateway.process.output().slice(-2000)}\n${rpc.process.output().slice(-2000)}`, { cause: error });
    } finally {
      await workers.stop();
      await gateway.process.stop('SIGTERM', 30_000);
      await rpc.process.stop('SIGTERM', 30_000);
    }
  },
};
