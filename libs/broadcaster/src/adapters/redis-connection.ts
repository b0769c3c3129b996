import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { backoffDelay } from '../backoff.js';
import { BroadcastError, describeCause } from '../broadcast.errors.js';
import type { BroadcasterOptions } from '../broadcaster-options.js';
import { withTimeout } from '../with-timeout.js';

/** A URL safe for logs and error messages: the password is masked. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable URL>';
  }
}

/**
 * The ioredis connection shared by the `redis` and `redisx` adapters, with the failure bounds made explicit:
 *
 * - Reconnects forever with exponential backoff (`retryBaseDelayMs` doubling up to `retryMaxDelayMs`), so
 *   publishing resumes by itself once Redis is back; an app is never left with a dead client.
 * - While disconnected, commands wait in ioredis' offline queue, but only through `retries` reconnect
 *   attempts (`maxRetriesPerRequest`): then ioredis fails them with `MaxRetriesPerRequestError` and removes
 *   them from the queue. `commandTimeout = publishTimeoutMs` is the wall-clock backstop (also a server that
 *   accepts but never answers). The queue's length is bounded by the service's `maxPending`.
 * - So a caller learns within `publishTimeoutMs` that Redis is unreachable. A publish rejected by the
 *   timeout (not by the retry limit) may still be sent after a reconnect: "rejected" means "not confirmed".
 */
export class RedisConnection {
  /**
   * The ioredis client, made once ioredis is imported: an app that publishes over HTTP or NATS never
   * evaluates it (~17 ms of the RPC app's start). Adapters reach it through `run` only.
   */
  private readonly client: Promise<Redis>;
  /** The server URL with the password masked, for messages. */
  readonly displayUrl: string;
  private readonly logger: Logger;
  private closed = false;
  private outage = false;

  constructor(options: BroadcasterOptions, role: string) {
    this.displayUrl = redactUrl(options.redisUrl);
    this.logger = new Logger(`Broadcaster:${role}`);
    this.client = this.open(options, role);
    // A failed import surfaces in `run` (a BroadcastError per publish) and in `close`; not unhandled here.
    this.client.catch((error: unknown) => this.logger.error(`the Redis client could not be loaded: ${describeCause(error)}`));
  }

  private async open(options: BroadcasterOptions, role: string): Promise<Redis> {
    const { Redis } = await import('ioredis');
    const client = new Redis(options.redisUrl, {
      retryStrategy: (attempt) => backoffDelay(attempt, options.retryBaseDelayMs, options.retryMaxDelayMs),
      maxRetriesPerRequest: options.retries,
      commandTimeout: options.publishTimeoutMs,
      connectTimeout: options.publishTimeoutMs,
      enableOfflineQueue: true,
      connectionName: `anycable-broadcaster-${role}`,
    });
    // One warning per outage, one notice on recovery: a down Redis must not flood the log every backoff.
    client.on('error', (error: Error) => {
      if (this.outage || this.closed) return;
      this.outage = true;
      this.logger.warn(`Redis ${this.displayUrl} unreachable, reconnecting with backoff: ${error.message}`);
    });
    client.on('ready', () => {
      if (!this.outage) return;
      this.outage = false;
      this.logger.log(`Redis ${this.displayUrl} reachable again`);
    });
    return client;
  }

  /** Runs one command for a publish; a failure becomes a `BroadcastError` describing `what`. */
  async run<T>(what: string, command: (client: Redis) => Promise<T>): Promise<T> {
    if (this.closed) throw new BroadcastError(`${what} on ${this.displayUrl} refused: the broadcaster is closed`);
    try {
      return await command(await this.client);
    } catch (cause) {
      throw new BroadcastError(`${what} on ${this.displayUrl} failed: ${describeCause(cause)}`, { cause });
    }
  }

  /** Sends QUIT after the commands already queued; drops the socket if that takes longer than `timeoutMs`. */
  async close(timeoutMs: number): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let client: Redis;
    try {
      client = await this.client;
    } catch {
      return; // never made: nothing to close (the failure was logged when it happened)
    }
    if (client.status === 'end') return;
    try {
      await withTimeout(client.quit(), timeoutMs, `QUIT not answered within ${timeoutMs} ms`);
    } catch (error) {
      this.logger.warn(`closing Redis ${this.displayUrl} uncleanly: ${describeCause(error)}`);
    } finally {
      client.disconnect();
    }
  }
}
