/**
 * A TCP proxy in front of a gateway that can make its connections half-open: `cut()` destroys the
 * client side of every connection (the client sees its socket die) and silently swallows what the
 * gateway sends, while the gateway side stays open with no FIN and no close frame. That is what a
 * gateway sees when a client's network drops: the old socket looks alive until pings time out.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface HalfOpenProxy {
  readonly port: number;
  /** ws://127.0.0.1:<proxy port><path> */
  url(path?: string): string;
  /** Every current connection becomes half-open (client side destroyed, gateway side left open). */
  cut(): void;
  /** Gateway-side sockets of cut connections still open. */
  readonly halfOpen: number;
  close(): Promise<void>;
}

export async function startHalfOpenProxy(targetPort: number): Promise<HalfOpenProxy> {
  const pairs = new Set<{ client: Socket; upstream: Socket }>();
  const orphans = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const forget = (): void => {
      pairs.delete(pair);
    };
    client.on('error', forget);
    upstream.on('error', () => {
      forget();
      client.destroy();
    });
    client.on('close', forget);
    upstream.on('close', () => {
      orphans.delete(upstream);
      client.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: (path = '/cable') => `ws://127.0.0.1:${port}${path}`,
    cut() {
      for (const pair of [...pairs]) {
        pairs.delete(pair);
        pair.upstream.unpipe(pair.client);
        pair.client.unpipe(pair.upstream);
        pair.upstream.removeAllListeners('close');
        // Whatever the gateway writes now goes nowhere; the gateway's socket is never ended.
        pair.upstream.on('data', () => {});
        pair.upstream.resume();
        pair.upstream.on('close', () => orphans.delete(pair.upstream));
        orphans.add(pair.upstream);
        pair.client.destroy();
      }
    },
    get halfOpen() {
      return orphans.size;
    },
    async close() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      for (const upstream of orphans) upstream.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
