/**
 * Gateways started as processes behind the same Redis / NATS, real WebSocket clients on them, and
 * the app side publishing through `#libs/broadcaster` in-process — the pieces every test of
 * test/broadcast combines.
 */
import type { Redis } from 'ioredis';
import { BroadcastService, createBroadcastAdapter, resolveBroadcasterOptions, type BroadcasterOptions } from '#libs/broadcaster';
import { RawCableClient, type ReceivedFrame } from '../support/cable-clients.js';
import { startGateway, type GatewayProcess } from '../support/gateway.js';
import { waitFor } from '../support/ports.js';

/** Environment that keeps the runner's own REDIS_URL etc. away from a gateway that must not see them. */
export const NO_INHERITED_SERVERS = { REDIS_URL: '', ANYCABLE_REDIS_URL: '', ANYCABLE_BROADCAST_ADAPTER: '', ANYCABLE_PUBSUB: '' };

/** Starts `count` gateways with the same env, in parallel. */
export async function startGateways(count: number, env: Record<string, string>): Promise<GatewayProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startGateway(env)));
  const gateways = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) {
    await Promise.all(gateways.map((gateway) => gateway.stop('SIGKILL')));
    throw failure.reason;
  }
  return gateways;
}

/** The identifier the scripted RPC server (test/support) answers by following `stream`. */
export function identifierOf(stream: string): string {
  return JSON.stringify({ channel: 'Chat', stream });
}

/** Opens clients and closes them all at the end. */
export class ClientPool {
  private readonly clients: RawCableClient[] = [];

  /** A welcomed client of `gateway` (extended protocol, so its welcome carries its sid) as `user`. */
  async open(gateway: GatewayProcess, user = 'anonymous'): Promise<RawCableClient & { sid: string }> {
    const client = await RawCableClient.welcomed(`${gateway.url()}?user=${encodeURIComponent(user)}`, { protocols: ['actioncable-v1-ext-json'] });
    this.clients.push(client);
    const welcome = client.frames.find((frame): frame is Record<string, unknown> => typeof frame === 'object' && frame.type === 'welcome');
    return Object.assign(client, { sid: String(welcome?.sid) });
  }

  /** Clients subscribed to `stream`, one per gateway given (the same gateway may come twice). */
  async subscribed(gateways: GatewayProcess[], stream: string, user?: string): Promise<Array<RawCableClient & { sid: string }>> {
    return Promise.all(
      gateways.map(async (gateway) => {
        const client = await this.open(gateway, user);
        client.subscribe(identifierOf(stream));
        await client.waitForConfirm(identifierOf(stream));
        return client;
      }),
    );
  }

  closeAll(): void {
    for (const client of this.clients) client.close();
    this.clients.length = 0;
  }
}

/** The broadcast messages a client received on `stream`. */
export function messagesOn(client: RawCableClient, stream: string): unknown[] {
  return client.messagesFor(identifierOf(stream));
}

/** Waits until every client received `count` messages on `stream`; returns them per client. */
export async function waitForMessages(clients: RawCableClient[], stream: string, count: number, timeoutMs = 20_000): Promise<unknown[][]> {
  return Promise.all(clients.map((client) => client.waitForMessages(identifierOf(stream), count, timeoutMs)));
}

/** Waits for the remote disconnect frame and the close of `client`. */
export async function waitForRemoteDisconnect(client: RawCableClient): Promise<ReceivedFrame> {
  const frame = await client.waitForFrame((candidate) => typeof candidate === 'object' && candidate.type === 'disconnect', 'a disconnect frame');
  await client.closed;
  return frame;
}

/** An app-side BroadcastService, as an app builds it outside Nest (see libs/broadcaster/README.md). */
export function createPublisher(options: Partial<BroadcasterOptions>, env: Record<string, string> = {}): BroadcastService {
  const resolved = resolveBroadcasterOptions(options, env);
  return new BroadcastService(createBroadcastAdapter(resolved), resolved);
}

/**
 * Waits until `count` gateways subscribed to the Redis pub/sub channel of `stream`: only then does
 * a publication one gateway takes (http, redisx) reach the clients of the others.
 */
export async function waitForRelaySubscribers(redis: Redis, stream: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const reply = (await redis.call('PUBSUB', 'NUMSUB', stream)) as [string, number];
      return Number(reply[1]) === count;
    },
    `${count} gateway(s) subscribed to the pub/sub channel of ${stream}`,
    15_000,
  );
}
