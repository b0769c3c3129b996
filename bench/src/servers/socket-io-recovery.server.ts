/**
 * The reliability scenario's Socket.IO peer: Socket.IO 4 with connection state recovery on
 * `@socket.io/redis-streams-adapter`, the Socket.IO setup that claims to recover a dropped client's
 * missed packets across nodes (the adapter keeps every broadcast in a Redis stream and stores a
 * disconnected socket's session in Redis for `maxDisconnectionDuration`).
 * Clients `subscribe` to a room (acked). Broadcasts arrive as the adapter's own entries in its Redis
 * stream, which every node reads (see reliability/socket-io-stream-publisher.ts).
 *
 * Started by the bench as `node dist/bench/src/servers/socket-io-recovery.server.js` with BENCH_* env
 * (BENCH_SIO_STREAM: the adapter's stream name, fresh for each measurement).
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { exitOnSignals, readPeerServerEnv } from './server-env.js';

type Ack = (reply: unknown) => void;

/** How long a disconnected socket's session can be recovered (Socket.IO's default: 2 minutes). */
const MAX_DISCONNECTION_MS = 120_000;

function main(): void {
  const env = readPeerServerEnv();
  const streamName = process.env.BENCH_SIO_STREAM ?? 'socket.io';
  const redis = new Redis(env.redisUrl);
  redis.on('error', (error) => process.stderr.write(`socket.io recovery peer: redis error: ${error.message}\n`));
  const httpServer = createServer();
  const io = new Server(httpServer, {
    transports: ['websocket'],
    serveClient: false,
    connectionStateRecovery: { maxDisconnectionDuration: MAX_DISCONNECTION_MS, skipMiddlewares: true },
    adapter: createAdapter(redis, { streamName }),
  });

  io.on('connection', (socket) => {
    socket.on('subscribe', (room: unknown, ack?: Ack) => {
      if (typeof room !== 'string') {
        ack?.({ error: 'room must be a string' });
        return;
      }
      void Promise.resolve(socket.join(room)).then(() => ack?.({ ok: true }));
    });
  });

  httpServer.listen(env.port, env.host, () => process.stdout.write(`socket.io recovery peer listening on ${env.host}:${env.port}\n`));
  exitOnSignals(async () => {
    // Closing the server disconnects every socket with a recoverable reason: their sessions are stored.
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await redis.quit();
  });
}

main();
