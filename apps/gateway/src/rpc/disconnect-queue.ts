import { Status, type DisconnectRequest } from '#libs/protocol';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import type { CableRpc } from './rpc-client.js';

interface PendingDisconnect {
  readonly sid: string;
  readonly request: DisconnectRequest;
}

export interface DisconnectQueueOptions {
  /** Calls per second at most (`disconnect_rate`). */
  readonly rate: number;
  /** Calls waiting at most (`disconnect_backlog_size`); a call past it is dropped and logged. */
  readonly backlogSize: number;
  /** Calls in flight at most while flushing at shutdown (the RPC concurrency). */
  readonly flushConcurrency: number;
}

/**
 * Disconnect calls are not urgent (the client is gone): they go through a bounded queue, sent at
 * `disconnect_rate` per second so that a mass disconnect (a gateway restart) cannot flood the RPC
 * app, and flushed as fast as the RPC concurrency allows at shutdown, within shutdown_timeout.
 */
export class DisconnectQueue {
  private queue: PendingDisconnect[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | null = null;
  private tokens: number;
  private readonly tickMs: number;
  private readonly perTick: number;
  private inFlight = 0;
  private flushing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly rpc: Pick<CableRpc, 'disconnect'>,
    private readonly options: DisconnectQueueOptions,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {
    this.tickMs = Math.max(10, Math.floor(1000 / options.rate));
    this.perTick = (options.rate * this.tickMs) / 1000;
    this.tokens = Math.max(1, this.perTick);
  }

  /** Calls waiting to be sent. */
  get size(): number {
    return this.queue.length - this.head;
  }

  get pending(): number {
    return this.size + this.inFlight;
  }

  enqueue(sid: string, request: DisconnectRequest): void {
    if (this.size >= this.options.backlogSize) {
      this.stats.disconnectDropped++;
      this.logger.warn({ sid, backlog: this.options.backlogSize }, 'Disconnect queue full (disconnect_backlog_size): Disconnect call dropped');
      return;
    }
    this.queue.push({ sid, request });
    if (this.flushing) this.pump();
    else this.schedule();
  }

  /**
   * Sends everything still queued without the rate limit (bounded by the RPC concurrency) and
   * resolves when all calls are done or `timeoutMs` passed. Returns how many were left unsent.
   */
  async flush(timeoutMs: number): Promise<number> {
    this.flushing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pump();
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => this.idleWaiters.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    return this.pending;
  }

  private schedule(): void {
    if (this.timer || this.size === 0) return;
    this.timer = setTimeout(this.tick, this.tickMs);
  }

  private readonly tick = (): void => {
    this.timer = null;
    this.tokens = Math.min(this.tokens + this.perTick, Math.max(1, this.perTick));
    while (this.tokens >= 1 && this.size > 0) {
      this.tokens--;
      this.send(this.shift());
    }
    this.schedule();
  };

  private pump(): void {
    while (this.size > 0 && this.inFlight < this.options.flushConcurrency) this.send(this.shift());
  }

  private shift(): PendingDisconnect {
    const item = this.queue[this.head++];
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private send({ sid, request }: PendingDisconnect): void {
    this.inFlight++;
    this.stats.disconnectCalls++;
    this.rpc
      .disconnect(sid, request)
      .then(
        (response) => {
          if (response.status !== Status.SUCCESS) this.logger.warn({ sid, status: response.status, error: response.error_msg }, 'Disconnect answered with an error');
        },
        (error: Error) => this.logger.warn({ sid, err: error.message }, 'Disconnect call failed'),
      )
      .finally(() => {
        this.inFlight--;
        if (this.flushing) this.pump();
        if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }
}
