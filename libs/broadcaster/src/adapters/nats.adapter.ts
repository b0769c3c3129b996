import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from 'nats';
import { backoffDelay } from '../backoff.js';
import { BroadcastError, describeCause } from '../broadcast.errors.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import { withTimeout } from '../with-timeout.js';
import type { BroadcastAdapter } from './broadcast-adapter.js';

/**
 * `nats` adapter: publishes the body to subject `natsChannel` on `natsServers` (npm `nats` v2).
 *
 * NATS publishing is fire-and-forget, so each publish is confirmed with a flush (PING/PONG round trip): once
 * it resolves, the server has the message. Bounds:
 * - The first connection is retried with backoff until it succeeds (the app starts while NATS is down);
 *   afterwards the client reconnects by itself, forever, every `retryMaxDelayMs`.
 * - A publish rejects if there is no connection within `publishTimeoutMs`, or the flush is not answered
 *   within `publishTimeoutMs` (NATS down). The client may still send such a message after it reconnects:
 *   "rejected" means "not confirmed".
 */
export class NatsBroadcastAdapter implements BroadcastAdapter {
  readonly name = 'nats';
  private readonly logger = new Logger('Broadcaster:nats');
  private readonly closing = new AbortController();
  private readonly connected: Promise<NatsConnection>;
  private connection?: NatsConnection;
  private readonly servers: string;

  constructor(private readonly options: BroadcasterOptions) {
    this.servers = options.natsServers.join(',');
    this.connected = this.connectWithBackoff();
    // Callers see connection problems through publish; this keeps an early close from being "unhandled".
    this.connected.catch(() => undefined);
  }

  async publish(body: string): Promise<void> {
    const what = `nats publish to subject "${this.options.natsChannel}" on ${this.servers}`;
    if (this.closing.signal.aborted) throw new BroadcastError(`${what} refused: the broadcaster is closed`);
    const timeout = this.options.publishTimeoutMs;
    try {
      const connection = this.connection ?? (await withTimeout(this.connected, timeout, `not connected to NATS within ${timeout} ms`));
      connection.publish(this.options.natsChannel, body);
      await withTimeout(connection.flush(), timeout, `NATS did not confirm (flush) within ${timeout} ms`);
    } catch (cause) {
      throw new BroadcastError(`${what} failed: ${describeNatsCause(cause)}`, { cause });
    }
  }

  /** Drains the connection (sends what is buffered, then closes), bounded by `closeTimeoutMs`. */
  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort();
    const connection = this.connection;
    if (!connection || connection.isClosed()) return;
    try {
      await withTimeout(connection.drain(), this.options.closeTimeoutMs, `drain not done within ${this.options.closeTimeoutMs} ms`);
    } catch (error) {
      this.logger.warn(`closing NATS ${this.servers} uncleanly: ${describeCause(error)}`);
      await connection.close();
    }
  }

  private async connectWithBackoff(): Promise<NatsConnection> {
    // Imported when a NATS adapter is made: an app that publishes over HTTP or Redis never evaluates
    // the NATS client (~11 ms of the RPC app's start).
    const { connect } = await import('nats');
    for (let attempt = 1; ; attempt += 1) {
      try {
        const connection = await connect({
          servers: this.options.natsServers,
          name: 'anycable-broadcaster',
          timeout: this.options.publishTimeoutMs,
          maxReconnectAttempts: -1,
          reconnectTimeWait: this.options.retryMaxDelayMs,
        });
        if (this.closing.signal.aborted) {
          await connection.close();
          throw new Error('the broadcaster is closed');
        }
        if (attempt > 1) this.logger.log(`NATS ${this.servers} reachable again`);
        this.connection = connection;
        void this.watch(connection);
        return connection;
      } catch (error) {
        if (this.closing.signal.aborted) throw new Error('the broadcaster is closed', { cause: error });
        if (attempt === 1) this.logger.warn(`NATS ${this.servers} unreachable, retrying with backoff: ${describeCause(error)}`);
        await sleep(backoffDelay(attempt, this.options.retryBaseDelayMs, this.options.retryMaxDelayMs), undefined, {
          signal: this.closing.signal,
        }).catch(() => undefined);
      }
    }
  }

  /** Logs disconnects and reconnects (once each), so an outage is visible without flooding the log. */
  private async watch(connection: NatsConnection): Promise<void> {
    try {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') this.logger.warn(`NATS ${this.servers} disconnected, reconnecting`);
        else if (status.type === 'reconnect') this.logger.log(`NATS ${this.servers} reconnected`);
      }
    } catch (error) {
      this.logger.warn(`NATS ${this.servers} status stream ended: ${describeCause(error)}`);
    }
  }
}

/** nats.js errors carry bare codes ("DISCONNECT"); say what they mean. */
const NATS_CODE_MEANINGS: Record<string, string> = {
  DISCONNECT: 'connection to NATS lost',
  CONNECTION_CLOSED: 'connection to NATS closed',
  CONNECTION_DRAINING: 'connection to NATS is draining',
  CONNECTION_REFUSED: 'NATS refused the connection',
};

function describeNatsCause(cause: unknown): string {
  const message = describeCause(cause);
  const meaning = NATS_CODE_MEANINGS[message];
  return meaning ? `${meaning} (${message})` : message;
}
