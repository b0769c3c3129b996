import { Redis } from 'ioredis';

/** Socket.IO's default namespace and the adapter's message type of a broadcast (socket.io-adapter MessageType.BROADCAST). */
const NAMESPACE = '/';
const BROADCAST = '3';
/** Socket.IO packet type of an event. */
const EVENT_PACKET = 2;
/** The adapter's default bound on its stream (XADD MAXLEN ~). */
const MAX_LEN = 10_000;

/**
 * Publishes to a Socket.IO cluster on `@socket.io/redis-streams-adapter` the way one node's
 * `io.to(room).emit('message', data)` does: one XADD of the adapter's broadcast entry to its Redis
 * stream, which every node reads and delivers to its sockets in the room, with the entry id as the
 * recovery offset. Writing the entry here rather than through a node means a node's death never
 * loses a publication on its way in (as redisx guarantees our gateway), so what is measured is the
 * recovery of the clients.
 */
export class SocketIoStreamPublisher {
  private readonly redis: Redis;
  private readonly uid = `bench-publisher-${process.pid}`;

  constructor(redisUrl: string, private readonly streamName: string) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
    this.redis.on('error', (error) => process.stderr.write(`bench socket.io publisher: redis error: ${error.message}\n`));
  }

  async publish(room: string, data: string): Promise<void> {
    const message = {
      packet: { type: EVENT_PACKET, data: ['message', JSON.parse(data) as unknown], nsp: NAMESPACE },
      opts: { rooms: [room], except: [], flags: {} },
    };
    await this.redis.xadd(this.streamName, 'MAXLEN', '~', MAX_LEN, '*', 'uid', this.uid, 'nsp', NAMESPACE, 'type', BROADCAST, 'data', JSON.stringify(message));
  }

  async close(): Promise<void> {
    await this.redis.quit();
  }
}
