import { connect, type NatsConnection } from 'nats';
import type { GatewayLogger } from '../log/logger.js';
import { pause, settlesWithin } from './waits.js';

/** Pause between reconnect attempts (first connection and later ones). */
const RECONNECT_WAIT_MS = 1_000;
/** Connect timeout of one attempt. */
const CONNECT_TIMEOUT_MS = 2_000;

/**
 * Connects to NATS for the broadcast side. The first connection is retried every second until it
 * succeeds (the gateway may start before NATS) or `signal` aborts (then null). Once connected,
 * nats.js reconnects by itself forever and re-sends the subscriptions; a loss and the recovery
 * are logged once each, with `role` saying which connection.
 */
export async function connectNats(servers: readonly string[], role: string, logger: GatewayLogger, signal: AbortSignal): Promise<NatsConnection | null> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      const connection = await connect({
        servers: [...servers],
        name: `anycable-gateway ${role}`,
        timeout: CONNECT_TIMEOUT_MS,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
      });
      if (signal.aborted) {
        await connection.close();
        return null;
      }
      if (attempt > 1) logger.info({ role, servers }, 'NATS reachable again');
      void watchNats(connection, role, logger);
      return connection;
    } catch (error) {
      if (attempt === 1) logger.warn({ role, servers, err: (error as Error).message }, 'NATS not reachable yet: retrying');
      await pause(RECONNECT_WAIT_MS, signal);
    }
  }
  return null;
}

async function watchNats(connection: NatsConnection, role: string, logger: GatewayLogger): Promise<void> {
  try {
    for await (const status of connection.status()) {
      if (status.type === 'disconnect') logger.warn({ role }, 'NATS connection lost: reconnecting');
      else if (status.type === 'reconnect') logger.info({ role, server: String(status.data) }, 'NATS connection restored');
    }
  } catch (error) {
    logger.warn({ role, err: (error as Error).message }, 'NATS status stream ended');
  }
}

/** Drains (flushes and unsubscribes) within `timeoutMs`, then closes whatever is left. */
export async function closeNats(connection: NatsConnection, role: string, logger: GatewayLogger, timeoutMs = 2_000): Promise<void> {
  if (connection.isClosed()) return;
  const drain = connection.drain().catch((error: Error) => logger.debug({ role, err: error.message }, 'NATS drain failed: closing'));
  if (!(await settlesWithin(drain, timeoutMs))) logger.warn({ role }, 'NATS drain not done in time: closing');
  if (!connection.isClosed()) await connection.close();
}
