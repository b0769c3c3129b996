import { Redis } from 'ioredis';
import { encodeBroadcast } from '#libs/protocol';
import type { GatewayBroker } from '../cli-options.js';
import { freePort, startNats, type TestService } from '../../../test/support/index.js';
import { commentsIdentifier, commentsStream } from '../demo-channel.js';
import { GATEWAY_SCRIPT, RPC_SCRIPT } from '../peers/gateway.peer.js';
import { startNodeProcess } from '../peers/node-process.js';
import { NODE_READY_TIMEOUT_MS, RestartableNode, type ReliabilityCluster, type ReliabilityPublisher } from './reliability-cluster.js';


const NODES = 2;

/**
 * Our gateway as a cluster: two gateways (`node dist/apps/gateway/src/main.bundle.js`, ANYCABLE_* env, as `npm run start:gateway`) in
 * front of one RPC app, with `broker=<broker>`. Publications go in through `redisx` (each taken by one
 * gateway, which registers it with the broker and relays it with its position over the pub/sub:
 * Redis for broker=redis, NATS for broker=nats), the flow anycable-go's docs/broker.md draws. A
 * private `nats-server -js` is started for broker=nats. Every measurement gets a fresh stream name
 * (redisx stream and broadcast stream), so nothing of an earlier run is replayed.
 */
export async function startGatewayCluster(broker: GatewayBroker, redisUrl: string, historyLimit: number): Promise<ReliabilityCluster> {
  const run = `rel-${broker}-${Date.now().toString(36)}`;
  const redisxStream = `bench:${run}`;
  const postId = run;
  const stopped: (() => Promise<unknown>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stopped.reverse()) await stop().catch(() => undefined);
  };
  try {
    let nats: TestService | undefined;
    if (broker === 'nats') {
      nats = await startNats({ jetstream: true });
      const started = nats;
      stopped.push(() => started.stop());
    }
    const rpcHost = `127.0.0.1:${await freePort()}`;
    const rpc = await startNodeProcess({
      script: RPC_SCRIPT,
      name: 'rpc',
      env: { ANYCABLE_REDIS_URL: redisUrl, ANYCABLE_RPC_HOST: rpcHost },
      ready: /RPC server listening on/,
      readyTimeoutMs: NODE_READY_TIMEOUT_MS,
    });
    stopped.push(() => rpc.process.stop('SIGTERM', 10_000));
    const ports = await Promise.all(Array.from({ length: NODES }, () => freePort()));
    const common: Record<string, string> = {
      ANYCABLE_HOST: '127.0.0.1',
      ANYCABLE_RPC_HOST: rpcHost,
      ANYCABLE_REDIS_URL: redisUrl,
      ANYCABLE_BROADCAST_ADAPTER: 'redisx',
      ANYCABLE_REDISX_STREAM: redisxStream,
      ANYCABLE_PUBSUB: broker === 'nats' ? 'nats' : 'redis',
      ANYCABLE_BROKER: broker,
      ANYCABLE_HISTORY_LIMIT: String(historyLimit),
      ...(nats ? { ANYCABLE_NATS_SERVERS: nats.url } : {}),
    };
    const nodes = await Promise.all(
      ports.map((port, index) =>
        RestartableNode.start({
          script: GATEWAY_SCRIPT,
          name: `gateway-${index + 1}`,
          // A fixed node id: a restarted gateway re-delivers what its redisx consumer left pending.
          env: { ...common, ANYCABLE_PORT: String(port), ANYCABLE_NODE_ID: `${run}-gw${index + 1}` },
          ready: /Gateway listening on/,
          readyTimeoutMs: NODE_READY_TIMEOUT_MS,
        }),
      ),
    );
    for (const node of nodes) stopped.push(() => node.stop());
    const publisher = new RedisxPublisher(redisUrl, redisxStream, commentsStream(postId));
    stopped.push(() => publisher.close());
    return {
      urls: ports.map((port) => `ws://127.0.0.1:${port}/cable`),
      protocol: 'cable-restore',
      identifier: commentsIdentifier(postId),
      room: commentsStream(postId),
      publisher,
      restart: (index, signal) => nodes[index]!.restart(signal),
      output: () => [...nodes.map((node) => node.output()), `--- rpc ---\n${rpc.process.output().slice(-2000)}`].join('\n'),
      logs: () => [...nodes.map((node) => node.logs()), `--- rpc ---\n${rpc.process.output()}`].join('\n'),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** `XADD <stream> * payload {"stream","data"}`: what an app's redisx broadcaster sends. */
class RedisxPublisher implements ReliabilityPublisher {
  private readonly redis: Redis;

  constructor(redisUrl: string, private readonly redisxStream: string, private readonly stream: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.redis.on('error', (error) => process.stderr.write(`bench redisx publisher: redis error: ${error.message}\n`));
  }

  publish(data: string): Promise<unknown> {
    return this.redis.xadd(this.redisxStream, '*', 'payload', encodeBroadcast({ stream: this.stream, data }));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
