import type { StormMode } from '../cli-options.js';
import { freePort } from '../../../test/support/index.js';
import { commentsIdentifier } from '../demo-channel.js';
import { BENCH_GATEWAY_SECRET, GATEWAY_SCRIPT, RPC_SCRIPT, benchGatewayToken, signedCommentsIdentifier } from '../peers/gateway.peer.js';
import { startNodeProcess } from '../peers/node-process.js';
import { NODE_READY_TIMEOUT_MS, RestartableNode } from '../reliability/reliability-cluster.js';

/** What the storm's clients are told, per mode. */
interface ModeSetup {
  title: string;
  /** ANYCABLE_* settings of the gateway beside the common ones. */
  gatewayEnv: Record<string, string>;
  /** Query string the clients connect with ('' or `?…`). */
  query: () => string;
  identifier: () => string;
  keepSidOnRestart: boolean;
}

const MODES: Record<StormMode, ModeSetup> = {
  // The sessions die with the process (broker none): every client gets a new one through the RPC app.
  plain: {
    title: 'plain path (Connect + subscribe RPCs)',
    gatewayEnv: {},
    query: () => '',
    identifier: () => commentsIdentifier(),
    keepSidOnRestart: false,
  },
  // Snapshots are committed to Redis on every change and kept sessions_ttl (300 s) after the close,
  // so the new process restores them from there (anycable-go: broker.RestoreSession, no RPC).
  restore: {
    title: 'sessions restored from broker=redis (?sid=, no RPC)',
    gatewayEnv: { ANYCABLE_BROKER: 'redis' },
    query: () => '',
    identifier: () => commentsIdentifier(),
    keepSidOnRestart: true,
  },
  // anycable-go's JWT identification and signed streams: the gateway checks both with its secret.
  jwt: {
    title: 'JWT + signed stream (no RPC)',
    gatewayEnv: { ANYCABLE_SECRET: BENCH_GATEWAY_SECRET },
    query: () => `?jid=${benchGatewayToken()}`,
    identifier: () => signedCommentsIdentifier(),
    keepSidOnRestart: false,
  },
};

/** The gateway of one storm measurement, the RPC app behind it, and what its clients are told. */
export interface StormGateway {
  readonly title: string;
  readonly url: string;
  readonly identifier: string;
  readonly keepSidOnRestart: boolean;
  readonly gateway: RestartableNode;
  readonly rpcPid: number;
  /** The gateway's Prometheus endpoint (anycable-go's metric names). */
  readonly metricsUrl: string;
  /** The last lines of both processes, for error messages. */
  output(): string;
  /** Everything both printed (the gateway before and after its restart). */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * Starts the RPC app and one gateway in front of it for `mode`, both as `npm run start:rpc` /
 * `start:gateway` run them. The RPC app runs in every mode, so its CPU during the storm shows what
 * each mode asks of it (nothing at all, in the no-RPC modes).
 */
export async function startStormGateway(mode: StormMode, redisUrl: string): Promise<StormGateway> {
  const setup = MODES[mode];
  const rpcHost = `127.0.0.1:${await freePort()}`;
  const port = await freePort();
  const broadcasting = { ANYCABLE_REDIS_URL: redisUrl, ANYCABLE_BROADCAST_ADAPTER: 'redis' };
  const rpc = await startNodeProcess({ script: RPC_SCRIPT, name: 'rpc', env: { ...broadcasting, ANYCABLE_RPC_HOST: rpcHost }, ready: /RPC server listening on/, readyTimeoutMs: NODE_READY_TIMEOUT_MS });
  let gateway: RestartableNode;
  try {
    gateway = await RestartableNode.start({
      script: GATEWAY_SCRIPT,
      name: 'gateway',
      env: { ...broadcasting, ...setup.gatewayEnv, ANYCABLE_HOST: '127.0.0.1', ANYCABLE_PORT: String(port), ANYCABLE_RPC_HOST: rpcHost, ANYCABLE_METRICS_HTTP: '/metrics' },
      ready: /Gateway listening on/,
      readyTimeoutMs: NODE_READY_TIMEOUT_MS,
    });
  } catch (error) {
    await rpc.process.stop('SIGTERM', 10_000);
    throw error;
  }
  return {
    title: setup.title,
    url: `ws://127.0.0.1:${port}/cable${setup.query()}`,
    identifier: setup.identifier(),
    keepSidOnRestart: setup.keepSidOnRestart,
    gateway,
    rpcPid: rpc.pid,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    output: () => `${gateway.output()}\n--- rpc ---\n${rpc.process.output().slice(-2000)}`,
    logs: () => `${gateway.logs()}\n--- rpc ---\n${rpc.process.output()}`,
    stop: async () => {
      await gateway.stop();
      await rpc.process.stop('SIGTERM', 10_000);
    },
  };
}
