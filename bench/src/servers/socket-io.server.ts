/**
 * The Socket.IO peer: what a Nest user gets by default for real time — Socket.IO 4 with
 * `@socket.io/redis-adapter`. A Redis publication on the broadcast channel becomes
 * `io.to(stream).emit('message', data)`, the equivalent of a Redis broadcast in the gateway; the
 * adapter also relays it to other Socket.IO nodes through Redis, as it does in production.
 * Clients `subscribe` (join a room, with an ack as the confirmation), `unsubscribe`, and send
 * `command` events that are acked in process (the stand-in for an RPC round trip).
 *
 * Started by the bench as `node dist/bench/src/servers/socket-io.server.js` with BENCH_* env.
 */
import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { decodeBroadcast, isRemoteCommand } from '#libs/protocol';
import { exitOnSignals, readPeerServerEnv } from './server-env.js';

type Ack = (reply: unknown) => void;

function main(): void {
  const env = readPeerServerEnv();
  const pub = new Redis(env.redisUrl);
  const sub = pub.duplicate();
  const intake = pub.duplicate();
  for (const [name, client] of Object.entries({ pub, sub, intake })) {
    client.on('error', (error) => process.stderr.write(`socket.io peer: redis ${name} error: ${error.message}\n`));
  }
  const httpServer = createServer();
  const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, adapter: createAdapter(pub, sub) });

  io.on('connection', (socket) => {
    socket.on('subscribe', (room: unknown, ack?: Ack) => {
      if (typeof room !== 'string') {
        ack?.({ error: 'room must be a string' });
        return;
      }
      void Promise.resolve(socket.join(room)).then(() => ack?.({ ok: true }));
    });
    socket.on('unsubscribe', (room: unknown) => {
      if (typeof room === 'string') void socket.leave(room);
    });
    socket.on('command', (payload: unknown, ack?: Ack) => ack?.({ echo: payload }));
  });

  intake.on('message', (_channel: string, raw: string) => {
    const decoded = decodeBroadcast(raw);
    if (!decoded.ok) {
      process.stderr.write(`socket.io peer: dropping a bad publication: ${decoded.error}\n`);
      return;
    }
    for (const message of decoded.messages) {
      if (isRemoteCommand(message)) continue;
      let data: unknown = message.data;
      try {
        data = JSON.parse(message.data);
      } catch {
        // Not JSON: sent as the string itself, as the gateway does.
      }
      io.to(message.stream).emit('message', data);
    }
  });

  httpServer.listen(env.port, env.host, () => {
    intake
      .subscribe(env.redisChannel)
      .then(() => process.stdout.write(`socket.io peer listening on ${env.host}:${env.port}\n`))
      .catch((error: unknown) => {
        process.stderr.write(`socket.io peer: cannot subscribe to ${env.redisChannel}: ${String(error)}\n`);
        process.exit(1);
      });
  });
  exitOnSignals(async () => {
    intake.disconnect();
    io.close();
    pub.disconnect();
    sub.disconnect();
  });
}

main();
