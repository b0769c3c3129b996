import { Status, type DisconnectRequest } from '#libs/protocol';
import type { GatewayLogger } from '../log/logger.js';
import type { GatewayStats } from '../metrics/gateway-stats.js';
import { ByteRecordFifo } from './byte-record-fifo.js';
import type { DisconnectCodec, PendingDisconnect } from './disconnect-codec.js';
import { RpcCallError } from './rpc-call.error.js';
import type { CableRpc } from './rpc-client.js';

export interface DisconnectQueueOptions {
  /** Calls per second at most (`disconnect_rate`). */
  readonly rate: number;
  /** Calls kept ready as objects (`disconnect_backlog_size`); past it they wait encoded, see {@link DisconnectQueue}. */
  readonly backlogSize: number;
  /** Calls in flight at most while flushing at shutdown (the RPC concurrency). */
  readonly flushConcurrency: number;
}

/**
 * Disconnect calls are not urgent (the client is gone): they are sent at `disconnect_rate` per
 * second so that a mass disconnect (a gateway restart, a network blip) cannot flood the RPC app,
 * and flushed as fast as the RPC concurrency allows at shutdown, within shutdown_timeout.
 *
 * None is dropped while the process lives (a call the RPC app did not run, because it was down
 * past rpc_request_timeout, is queued again): a dropped call is an `unsubscribed`/`disconnect`
 * callback that never runs in the app (no "user left", no presence leave). anycable-go does the
 * same by blocking the closing session's goroutine on its full backlog channel (node/disconnect_queue.go).
 * Up to `disconnect_backlog_size` calls wait as request objects; past it they wait as their
 * protobuf bytes packed in one byte queue (a few hundred bytes each, mostly the url, headers and
 * identifiers the call must carry), and move into the backlog as it drains. Their number is bounded
 * by the sessions that closed faster than `disconnect_rate`, itself bounded by `max_conn` per burst.
 */
export class DisconnectQueue {
  private backlog: PendingDisconnect[] = [];
  private head = 0;
  private readonly overflow = new ByteRecordFifo();
  private overflowEpisode = 0;
  private timer: NodeJS.Timeout | null = null;
  private tokens: number;
  private readonly tickMs: number;
  private readonly perTick: number;
  private inFlight = 0;
  private flushing = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly rpc: Pick<CableRpc, 'disconnect'>,
    private readonly codec: DisconnectCodec,
    private readonly options: DisconnectQueueOptions,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
  ) {
    this.tickMs = Math.max(10, Math.floor(1000 / options.rate));
    this.perTick = (options.rate * this.tickMs) / 1000;
    this.tokens = Math.max(1, this.perTick);
  }

  /** Calls waiting to be sent (backlog and overflow). */
  get size(): number {
    return this.backlog.length - this.head + this.overflow.size;
  }

  /** Calls waiting or in flight. */
  get pending(): number {
    return this.size + this.inFlight;
  }

  /** Bytes the overflow holds (calls waiting past the backlog, encoded). */
  get overflowBytes(): number {
    return this.overflow.allocatedBytes;
  }

  enqueue(sid: string, request: DisconnectRequest): void {
    // Once calls wait in the overflow, later ones queue behind them: the order of closes is kept.
    if (this.overflow.size > 0 || this.backlogSize() >= this.options.backlogSize) {
      if (this.overflow.size === 0) {
        this.overflowEpisode = 0;
        this.logger.warn(
          { backlog: this.options.backlogSize, rate: this.options.rate },
          'Disconnect backlog full (disconnect_backlog_size): further Disconnect calls wait encoded and are still sent at disconnect_rate',
        );
      }
      this.overflow.push(this.codec.encode({ sid, request }));
      this.overflowEpisode++;
      this.stats.disconnectOverflowed++;
    } else {
      this.backlog.push({ sid, request });
    }
    if (this.flushing) this.pump();
    else this.schedule();
  }

  /**
   * Sends everything still queued without the rate limit (bounded by the RPC concurrency) and
   * resolves when all calls are done or `timeoutMs` passed. Returns how many were left unsent or
   * unanswered.
   */
  async flush(timeoutMs: number): Promise<number> {
    this.flushing = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending > 0) this.logger.info({ pending: this.pending, timeoutMs }, 'Sending the remaining Disconnect calls');
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

  private backlogSize(): number {
    return this.backlog.length - this.head;
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
      this.send(this.next());
    }
    this.schedule();
  };

  private pump(): void {
    while (this.size > 0 && this.inFlight < this.options.flushConcurrency) this.send(this.next());
  }

  /** The oldest call; the backlog is refilled from the overflow as it drains. Call only when size > 0. */
  private next(): PendingDisconnect {
    if (this.backlogSize() === 0) return this.takeOverflow();
    const item = this.backlog[this.head++];
    if (this.head > 1024 && this.head * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  private takeOverflow(): PendingDisconnect {
    const pending = this.codec.decode(this.overflow.shift()!);
    if (this.overflow.size === 0) this.logger.info({ calls: this.overflowEpisode }, 'Disconnect calls queued past the backlog all sent');
    return pending;
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
        (error: Error) => {
          // The app did not run it (down or restarting past rpc_request_timeout): queue it again, at
          // the rate, rather than lose its callbacks. Not at shutdown: the flush has its own deadline.
          if (error instanceof RpcCallError && !error.mayHaveRun && !this.flushing) {
            this.logger.debug({ sid, err: error.message }, 'Disconnect not run by the RPC app: queued again');
            this.enqueue(sid, request);
          } else this.logger.warn({ sid, err: error.message }, 'Disconnect call failed');
        },
      )
      .finally(() => {
        this.inFlight--;
        if (this.flushing) this.pump();
        if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
      });
  }
}
