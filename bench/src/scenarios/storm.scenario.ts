import { freePort } from '../../../test/support/index.js';
import { commentsIdentifier } from '../demo-channel.js';
import { WorkerPool } from '../load/worker-pool.js';
import { onInterrupt } from '../cleanup.js';
import { GATEWAY_SCRIPT, RPC_SCRIPT } from '../peers/gateway.peer.js';
import { startNodeProcess } from '../peers/node-process.js';
import { readCpuMs } from '../peers/process-cpu.js';
import { NODE_READY_TIMEOUT_MS, RestartableNode } from '../reliability/reliability-cluster.js';
import type { StormResult } from '../report/results.js';
import { round, total } from '../statistics.js';
import { describeErrors, sleep, tick, type Scenario } from './scenario.js';

/**
 * storm (our gateway only): N clients subscribed through one gateway in front of the RPC app; the
 * gateway is restarted (SIGTERM: every client gets `disconnect` server_restart and a 1001 close, then
 * a new process starts on the same port); each client reconnects as @anycable/core does (retrying while
 * the port is closed, jittered up to 500 ms) with a fresh session (Connect + subscribe RPCs, the plain
 * path: the sessions died with the process). Measured: SIGTERM → every client subscribed again, the
 * new gateway's ready → the same, and the RPC app's CPU over the storm.
 */
export const stormScenario: Scenario<StormResult> = {
  name: 'storm',
  describe: (o) =>
    `${o.connections} subscribed clients on one gateway; the gateway is restarted (SIGTERM, then started again on the same port); ` +
    'every client reconnects and subscribes again (Connect + subscribe RPCs); time until all are back, and the RPC app\'s CPU meanwhile.',
  variantsOf: (peer) => (peer.id === 'gateway' ? ['plain'] : []),

  measure: async (peer, context) => {
    const { options } = context;
    const label = '[storm] gateway';
    context.progress.update(`${label}: starting`);
    const rpcHost = `127.0.0.1:${await freePort()}`;
    const port = await freePort();
    const broadcasting = { ANYCABLE_REDIS_URL: context.redisUrl, ANYCABLE_BROADCAST_ADAPTER: 'redis' };
    const rpc = await startNodeProcess({ script: RPC_SCRIPT, name: 'rpc', env: { ...broadcasting, ANYCABLE_RPC_HOST: rpcHost }, ready: /RPC server listening on/, readyTimeoutMs: NODE_READY_TIMEOUT_MS });
    const forgetRpc = onInterrupt(async () => {
      await rpc.process.stop('SIGTERM', 10_000);
    });
    let gateway: RestartableNode | undefined;
    let workers: WorkerPool | undefined;
    try {
      gateway = await RestartableNode.start({
        script: GATEWAY_SCRIPT,
        name: 'gateway',
        env: { ...broadcasting, ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: String(port), ANYCABLE_RPC_HOST: rpcHost },
        ready: /Gateway listening on/,
        readyTimeoutMs: NODE_READY_TIMEOUT_MS,
      });
      workers = await WorkerPool.start(options.workers);
      const pool = workers;
      const count = options.connections;
      const share = (index: number): number => Math.floor(count / pool.size) + (index < count % pool.size ? 1 : 0);
      let first = 0;
      const opened = await pool.all((index) => {
        const firstIndex = first;
        first += share(index);
        return {
          kind: 'reliable-open' as const,
          urls: [`ws://127.0.0.1:${port}/cable`],
          protocol: 'cable-restore' as const,
          count: share(index),
          firstIndex,
          concurrency: options.concurrency,
          identifier: commentsIdentifier(),
          room: '',
          expectedBroadcasts: 0,
          timeoutMs: 120_000 + count * 10,
        };
      });
      const live = total(opened, (reply) => reply.live);
      await sleep(2_000);
      const rpcCpuBefore = readCpuMs(rpc.pid);
      const stopTicker = tick(context, () => `${label}: ${pool.progress().subscribed}/${live} back`);
      const sigtermAt = Date.now();
      let readyAt = 0;
      let backAt = 0;
      let gatewayCpuMs = 0;
      try {
        await gateway.restart('SIGTERM');
        readyAt = Date.now();
        const newPid = gateway.pid;
        const gatewayCpuBefore = newPid ? readCpuMs(newPid) : 0;
        const deadline = Date.now() + 120_000 + count * 10;
        // Progress arrives every 500 ms; the clients are back when every one is live again.
        while (Date.now() < deadline) {
          await sleep(100);
          if (pool.progress().subscribed >= live && pool.progress().opening === 0) {
            backAt = Date.now();
            break;
          }
        }
        gatewayCpuMs = newPid ? readCpuMs(newPid) - gatewayCpuBefore : 0;
      } finally {
        stopTicker();
      }
      const rpcCpuMs = readCpuMs(rpc.pid) - rpcCpuBefore;
      const report = await pool.all(() => ({ kind: 'reliable-collect' as const }));
      const result: StormResult = {
        peer: peer.id,
        title: `${peer.title}, plain path (Connect + subscribe)`,
        variant: 'plain',
        clients: count,
        subscribed: live,
        back: total(report, (r) => r.live),
        sigtermToBackSeconds: backAt ? round((backAt - sigtermAt) / 1000, 2) : -1,
        readyToBackSeconds: backAt ? round((backAt - readyAt) / 1000, 2) : -1,
        restartSeconds: round((readyAt - sigtermAt) / 1000, 2),
        rpcCpuMs: round(rpcCpuMs, 0),
        rpcCpuMsPerClient: live ? round(rpcCpuMs / live, 3) : 0,
        gatewayCpuMsPerClient: live ? round(gatewayCpuMs / live, 3) : 0,
      };
      const failed = total(opened, (reply) => reply.failed);
      const problems: string[] = [];
      if (failed > 0) problems.push(`${failed} clients did not subscribe at first: ${describeErrors(Object.assign({}, ...opened.map((reply) => reply.errors)))}`);
      if (!backAt) problems.push(`only ${pool.progress().subscribed}/${live} clients were back before the deadline`);
      if (problems.length) result.error = problems.join('; ');
      return result;
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${gateway?.output() ?? ''}\n--- rpc ---\n${rpc.process.output().slice(-2000)}`, { cause: error });
    } finally {
      await workers?.stop();
      await gateway?.stop();
      await rpc.process.stop('SIGTERM', 10_000);
      forgetRpc();
    }
  },
};
