import { Redis } from 'ioredis';
import type { GatewayLogger } from '../log/logger.js';
import { settlesWithin } from './waits.js';

/** Longest pause between two reconnect attempts: a restarted Redis is found again within 2 s. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * A Redis connection for the broadcast side that never gives up: it reconnects with backoff (100 ms
 * more per attempt, at most 2 s), resubscribes its channels, and keeps commands issued meanwhile
 * waiting (`maxRetriesPerRequest: null`) instead of failing them — each caller bounds what it
 * lets wait. A loss and the recovery are logged once each, with `role` saying which connection.
 */
export function createRedisClient(url: string, role: string, logger: GatewayLogger): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    autoResubscribe: true,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
  });
  let lost = false;
  client.on('error', (error: Error) => {
    if (!lost) logger.warn({ role, err: error.message }, 'Redis connection lost: reconnecting');
    lost = true;
  });
  client.on('ready', () => {
    if (lost) logger.info({ role }, 'Redis connection restored');
    lost = false;
  });
  client.connect().catch((error: Error) => {
    logger.warn({ role, err: error.message }, 'Redis not reachable yet: retrying');
    lost = true;
  });
  return client;
}

/** QUIT within `timeoutMs` (Redis may be down, and QUIT would wait for it), else drop the socket. */
export async function closeRedisClient(client: Redis, role: string, logger: GatewayLogger, timeoutMs = 2_000): Promise<void> {
  const quit = client.quit().then(
    () => true,
    (error: Error) => {
      logger.debug({ role, err: error.message }, 'Redis QUIT failed');
      return false;
    },
  );
  if (!(await settlesWithin(quit, timeoutMs))) client.disconnect();
}
