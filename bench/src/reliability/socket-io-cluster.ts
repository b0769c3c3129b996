import { freePort } from '../../../test/support/index.js';
import { NODE_READY_TIMEOUT_MS, RestartableNode, type ReliabilityCluster } from './reliability-cluster.js';
import { SocketIoStreamPublisher } from './socket-io-stream-publisher.js';

const SCRIPT = 'dist/bench/src/servers/socket-io-recovery.server.js';
const NODES = 2;

/**
 * Socket.IO as a cluster: two `socket-io-recovery.server.js` nodes on `@socket.io/redis-streams-adapter`
 * with connection state recovery, sharing a fresh adapter stream per measurement.
 */
export async function startSocketIoCluster(redisUrl: string): Promise<ReliabilityCluster> {
  const run = `rel-sio-${Date.now().toString(36)}`;
  const streamName = `bench:${run}`;
  const room = `comments:post:${run}`;
  const ports = await Promise.all(Array.from({ length: NODES }, () => freePort()));
  const started = await Promise.allSettled(
    ports.map((port, index) =>
      RestartableNode.start({
        script: SCRIPT,
        name: `socket.io-${index + 1}`,
        env: { BENCH_HOST: '127.0.0.1', BENCH_PORT: String(port), BENCH_REDIS_URL: redisUrl, BENCH_SIO_STREAM: streamName },
        ready: /listening on/,
        readyTimeoutMs: NODE_READY_TIMEOUT_MS,
      }),
    ),
  );
  const nodes = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  if (nodes.length < NODES) {
    await Promise.all(nodes.map((node) => node.stop()));
    throw new Error(started.flatMap((result) => (result.status === 'rejected' ? [String(result.reason)] : [])).join('\n'));
  }
  const publisher = new SocketIoStreamPublisher(redisUrl, streamName);
  return {
    urls: ports.map((port) => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`),
    protocol: 'socket-io-recovery',
    identifier: room,
    room,
    publisher: { publish: (data) => publisher.publish(room, data), close: () => publisher.close() },
    restart: (index, signal) => nodes[index]!.restart(signal),
    output: () => nodes.map((node) => node.output()).join('\n'),
    logs: () => nodes.map((node) => node.logs()).join('\n'),
    stop: async () => {
      await publisher.close().catch(() => undefined);
      await Promise.all(nodes.map((node) => node.stop()));
    },
  };
}
