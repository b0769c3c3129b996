import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { signStreamName } from '#libs/protocol';
import { commentsStream } from '../demo-channel.js';
import { freePort } from '../../../test/support/index.js';
import { scriptBuilt, startNodeProcess } from './node-process.js';
import type { Peer, PeerStartOptions, RunningPeer } from './peer.js';

/** The gateway and the RPC app as `npm run start:gateway` / `start:rpc` run them (scripts/bundle.mjs). */
export const GATEWAY_SCRIPT = 'dist/apps/gateway/src/main.bundle.js';
export const RPC_SCRIPT = 'dist/apps/rpc/src/main.bundle.js';

/** Secret shared by the bench and the RPC app it starts, for JWT-identified connections. */
export const BENCH_JWT_SECRET = 'bench-jwt-secret';

/**
 * Our gateway, started the production way (`node dist/apps/gateway/src/main.bundle.js` with ANYCABLE_* env),
 * with the RPC app behind it and Redis broadcasting. Only the gateway process is measured; the RPC
 * app is a companion.
 */
export const gatewayPeer: Peer = {
  id: 'gateway',
  title: 'our gateway',
  protocol: 'action-cable',
  // The demo app reads the user from a HS256 JWT (`sub`) in the `jwt_token` query parameter.
  urlForUser: (url, userId) => `${url}?jwt_token=${encodeURIComponent(jwt.sign({ sub: userId }, BENCH_JWT_SECRET, { algorithm: 'HS256' }))}`,
  unavailableReason() {
    const missing = [GATEWAY_SCRIPT, RPC_SCRIPT].filter((script) => !scriptBuilt(script));
    return missing.length ? `${missing.join(' and ')} missing: build the apps first (npm run build)` : undefined;
  },
  start: (options) => startGateway(options, 'grpc'),
};

/** The gateway's secret in the no-RPC connect mode (JWT identification and signed streams). */
export const BENCH_GATEWAY_SECRET = 'bench-gateway-secret';

/**
 * The no-RPC connect mode: every client carries a gateway JWT (`?jid=`, identifiers in `ext`) and
 * follows the comments stream through `$pubsub` with a signed name; no RPC app runs at all (the
 * gateway's rpc_host is a port nobody listens on), so any RPC call would fail the run.
 */
export const gatewayNoRpcPeer: Peer = {
  ...gatewayPeer,
  title: 'our gateway, JWT + signed stream (no RPC)',
  urlForUser: (url) => url,
  start: startGatewayWithoutRpc,
};

/** The identifier the no-RPC clients subscribe with: the comments stream, signed. */
export function signedCommentsIdentifier(): string {
  return JSON.stringify({ channel: '$pubsub', signed_stream_name: signStreamName(commentsStream(), BENCH_GATEWAY_SECRET) });
}

/** A gateway JWT (`?jid=`, HS256 with the gateway's secret, identifiers in `ext`) valid for an hour. */
export function benchGatewayToken(): string {
  return jwt.sign({ ext: JSON.stringify({ user: 'bench' }) }, BENCH_GATEWAY_SECRET, { algorithm: 'HS256', expiresIn: 3600 });
}

async function startGatewayWithoutRpc(options: PeerStartOptions): Promise<RunningPeer> {
  const port = await freePort();
  const gateway = await startNodeProcess({
    script: GATEWAY_SCRIPT,
    name: 'gateway',
    env: {
      ANYCABLE_REDIS_URL: options.redisUrl,
      ANYCABLE_BROADCAST_ADAPTER: 'redis',
      ANYCABLE_HOST: '127.0.0.1',
      ANYCABLE_PORT: String(port),
      ANYCABLE_RPC_HOST: `127.0.0.1:${await freePort()}`,
      ANYCABLE_SECRET: BENCH_GATEWAY_SECRET,
    },
    ready: /Gateway listening on/,
    inspect: options.inspect,
    cpuProfDir: options.cpuProfDir,
  });
  return {
    url: `ws://127.0.0.1:${port}/cable?jid=${benchGatewayToken()}`,
    pid: gateway.pid,
    inspectorUrl: gateway.inspectorUrl,
    companions: [],
    output: () => `--- gateway ---\n${gateway.process.output()}`,
    stop: async () => {
      await gateway.process.stop('SIGTERM', 15_000);
    },
  };
}

/** Bearer secret of the HTTP RPC peer (both sides). */
const BENCH_HTTP_RPC_SECRET = 'bench-http-rpc-secret';

/**
 * The same gateway and RPC app, talking anycable-go's RPC over HTTP (`rpc_host=http://…/_anycable`,
 * served by the RPC app's own HTTP server) instead of gRPC.
 */
export const gatewayHttpRpcPeer: Peer = {
  ...gatewayPeer,
  id: 'gateway-http',
  title: 'our gateway, RPC over HTTP',
  start: (options) => startGateway(options, 'http'),
};

async function startGateway(options: PeerStartOptions, transport: 'grpc' | 'http'): Promise<RunningPeer> {
  const grpcHost = `127.0.0.1:${await freePort()}`;
  const httpPort = await freePort();
  const port = await freePort();
  const overHttp = transport === 'http';
  const rpcHost = overHttp ? `http://127.0.0.1:${httpPort}/_anycable` : grpcHost;
  const httpRpc: Record<string, string> = overHttp ? { RPC_HTTP_PORT: String(httpPort), ANYCABLE_HTTP_RPC_MOUNT_PATH: '/_anycable', ANYCABLE_HTTP_RPC_SECRET: BENCH_HTTP_RPC_SECRET } : {};
  const broadcasting = { ANYCABLE_REDIS_URL: options.redisUrl, ANYCABLE_BROADCAST_ADAPTER: 'redis' };
  // Both start at once (the gateway dials the RPC app on the first Connect, as anycable-go does):
  // start-up is most of a short run's time.
  const [rpc, gateway] = await Promise.allSettled([
    startNodeProcess({
      script: RPC_SCRIPT,
      name: 'rpc',
      env: { ...broadcasting, ...httpRpc, ANYCABLE_RPC_HOST: grpcHost, JWT_SECRET: BENCH_JWT_SECRET },
      ready: /RPC server listening on/,
      cpuProfDir: options.cpuProfDir && join(options.cpuProfDir, 'rpc'),
    }),
    startNodeProcess({
      script: GATEWAY_SCRIPT,
      name: 'gateway',
      env: {
        ...broadcasting,
        ANYCABLE_HOST: '127.0.0.1',
        ANYCABLE_PORT: String(port),
        ANYCABLE_RPC_HOST: rpcHost,
        ...(overHttp ? { ANYCABLE_HTTP_RPC_SECRET: BENCH_HTTP_RPC_SECRET } : {}),
      },
      ready: /Gateway listening on/,
      inspect: options.inspect,
      cpuProfDir: options.cpuProfDir,
    }),
  ]);
  if (rpc.status === 'rejected' || gateway.status === 'rejected') {
    await Promise.all([rpc, gateway].map((started) => (started.status === 'fulfilled' ? started.value.process.stop('SIGTERM', 5_000) : undefined)));
    const reasons = [rpc, gateway].flatMap((started) => (started.status === 'rejected' ? [String(started.reason)] : []));
    throw new Error(reasons.join('\n'));
  }
  return {
    url: `ws://127.0.0.1:${port}/cable`,
    pid: gateway.value.pid,
    inspectorUrl: gateway.value.inspectorUrl,
    companions: [{ name: 'rpc', pid: rpc.value.pid }],
    output: () => `--- gateway ---\n${gateway.value.process.output()}\n--- rpc ---\n${rpc.value.process.output()}`,
    stop: async () => {
      await gateway.value.process.stop('SIGTERM', 15_000);
      await rpc.value.process.stop('SIGTERM', 10_000);
    },
  };
}
