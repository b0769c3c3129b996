import { SampleBuffer } from '../statistics.js';
import { CableRestoreProtocol } from './cable-restore.protocol.js';
import { OpenBatch } from './open-batch.js';
import { RecoveringClient, type RecoveringClientListener } from './recovering-client.js';
import type { RecoveryProtocol } from './recovery-protocol.js';
import { SocketIoRecoveryProtocol } from './socket-io-recovery.protocol.js';
import type {
  ReliableDropsRequest,
  ReliableOpenReply,
  ReliableOpenRequest,
  ReliabilityReport,
  WorkerProgress,
} from './worker-messages.js';

/**
 * The reliability clients of one worker process: opens them, drops each live one at random moments
 * (a uniform pause up to twice the mean after it is back), and sums what their ledgers counted.
 */
export class RecoveringClientSet implements RecoveringClientListener {
  private readonly clients: RecoveringClient[] = [];
  private pendingOpen: OpenBatch | undefined;
  private drops: ReliableDropsRequest | undefined;
  private readonly dropTimers = new Map<RecoveringClient, NodeJS.Timeout>();
  private readonly restoreMs = new SampleBuffer();
  private readonly errors: Record<string, number> = {};
  private readonly attemptErrors: Record<string, number> = {};
  private dropCount = 0;
  private reconnects = 0;
  private restored = 0;
  private fresh = 0;
  private historyRejected = 0;
  private failedCount = 0;
  private lastCaughtUpAt = 0;

  get size(): number {
    return this.clients.length;
  }

  progress(): WorkerProgress {
    let live = 0;
    let connecting = 0;
    let received = 0;
    for (const client of this.clients) {
      if (client.state === 'live') live += 1;
      else if (client.state === 'connecting' || client.state === 'catching-up') connecting += 1;
      received += client.ledger.received;
    }
    return { opening: connecting, subscribed: live, failed: this.failedCount, received, completed: this.reconnects };
  }

  open(request: ReliableOpenRequest): Promise<ReliableOpenReply> {
    if (this.pendingOpen) return Promise.reject(new Error('an open request is already running'));
    return new Promise((resolve) => {
      const launchOne = (position: number): void => {
        const client = new RecoveringClient(request.urls, request.firstIndex + position, protocolFor(request), request.expectedBroadcasts, request.handshakeTimeoutMs, this);
        this.clients.push(client);
        client.start();
      };
      const batch = new OpenBatch(
        { count: request.count, concurrency: request.concurrency, timeoutMs: request.timeoutMs, timeoutReason: `not subscribed within ${request.timeoutMs} ms` },
        launchOne,
        (outcome) => {
          this.pendingOpen = undefined;
          resolve({ kind: 'reliable-open', live: outcome.succeeded, failed: outcome.failed, errors: outcome.errors });
        },
      );
      this.pendingOpen = batch;
      batch.start();
    });
  }

  /** Starts (meanIntervalMs > 0) or stops dropping clients. */
  setDrops(request: ReliableDropsRequest): void {
    this.drops = request.meanIntervalMs > 0 ? request : undefined;
    for (const timer of this.dropTimers.values()) clearTimeout(timer);
    this.dropTimers.clear();
    if (this.drops) for (const client of this.clients) if (client.state === 'live') this.scheduleDrop(client);
  }

  collect(): ReliabilityReport {
    const report: ReliabilityReport = {
      kind: 'reliability',
      clients: this.clients.length,
      live: 0,
      exactlyOnce: 0,
      duplicates: 0,
      outOfOrder: 0,
      lost: 0,
      unexpected: 0,
      drops: this.dropCount,
      reconnects: this.reconnects,
      restored: this.restored,
      fresh: this.fresh,
      historyRejected: this.historyRejected,
      failed: this.failedCount,
      errors: this.errors,
      attemptErrors: this.attemptErrors,
      restoreMs: this.restoreMs.toArray(),
      lastCaughtUpAt: this.lastCaughtUpAt,
    };
    for (const client of this.clients) {
      if (client.state === 'live') report.live += 1;
      const counts = client.ledger.counts();
      report.exactlyOnce += counts.exactlyOnce;
      report.duplicates += counts.duplicates;
      report.outOfOrder += counts.outOfOrder;
      report.lost += counts.lost;
      report.unexpected += client.ledger.unexpectedReceipts;
    }
    return report;
  }

  close(): number {
    this.setDrops({ kind: 'reliable-drops', meanIntervalMs: 0, outageMaxMs: 0 });
    for (const client of this.clients) client.close();
    const closed = this.clients.length;
    this.clients.length = 0;
    return closed;
  }

  // RecoveringClientListener

  caughtUp(client: RecoveringClient, event: { restored: boolean; historyRejected: boolean; reconnectMs: number | undefined }): void {
    if (event.reconnectMs !== undefined) {
      this.reconnects += 1;
      this.lastCaughtUpAt = Date.now();
      if (event.restored) this.restored += 1;
      else this.fresh += 1;
      if (event.historyRejected) this.historyRejected += 1;
      this.restoreMs.push(event.reconnectMs);
    } else {
      this.pendingOpen?.succeed();
    }
    if (this.drops) this.scheduleDrop(client);
  }

  failed(_client: RecoveringClient, reason: string): void {
    this.failedCount += 1;
    this.errors[reason] = (this.errors[reason] ?? 0) + 1;
    this.pendingOpen?.fail(reason);
  }

  attemptFailed(_client: RecoveringClient, reason: string): void {
    // Refused connections differ by port only: one count for all.
    const key = reason.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:<port>');
    this.attemptErrors[key] = (this.attemptErrors[key] ?? 0) + 1;
  }

  private scheduleDrop(client: RecoveringClient): void {
    const drops = this.drops;
    if (!drops) return;
    clearTimeout(this.dropTimers.get(client));
    const timer = setTimeout(() => {
      this.dropTimers.delete(client);
      if (client.drop(Math.random() * drops.outageMaxMs)) this.dropCount += 1;
    }, Math.random() * 2 * drops.meanIntervalMs);
    this.dropTimers.set(client, timer);
  }
}

function protocolFor(request: ReliableOpenRequest): RecoveryProtocol {
  return request.protocol === 'cable-restore' ? new CableRestoreProtocol(request.identifier, { keepSidOnRestart: request.keepSidOnRestart }) : new SocketIoRecoveryProtocol(request.room);
}
