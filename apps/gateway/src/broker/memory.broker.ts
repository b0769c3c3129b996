import type { GatewayLogger } from '../log/logger.js';
import type { Broker, HistoryRead, SessionSnapshot, StreamPosition } from './broker.js';
import type { PresenceStore } from './presence/presence-store.js';
import { MAX_CACHED_SESSIONS, SessionCache } from './session-cache.js';
import { MAX_HISTORY_STREAMS, StreamHistory } from './stream-history.js';

export interface MemoryBrokerOptions {
  /** `history_limit`: messages kept per stream. */
  readonly historyLimit: number;
  /** `history_ttl`: how long a message is kept. */
  readonly historyTtlMs: number;
  /** `sessions_ttl`: how long a session can be restored after its last change. */
  readonly sessionsTtlMs: number;
}

/**
 * `broker=memory` (anycable-go's memory broker): stream history and sessions in this process
 * only. One random epoch per start, so after a restart clients know their offsets are gone; a
 * client coming back to another gateway is not restored. Synchronous: every answer is immediate.
 */
export class MemoryBroker implements Broker {
  readonly name = 'memory';
  private readonly history: StreamHistory;
  private readonly sessions: SessionCache;

  constructor(
    private readonly options: MemoryBrokerOptions,
    private readonly logger: GatewayLogger,
    /** This process's presence sets (broker/presence/). */
    readonly presence: PresenceStore,
  ) {
    this.history = new StreamHistory({ limit: options.historyLimit, ttlMs: options.historyTtlMs, maxStreams: MAX_HISTORY_STREAMS });
    this.sessions = new SessionCache({ ttlMs: options.sessionsTtlMs, maxSessions: MAX_CACHED_SESSIONS });
  }

  /** This start's epoch (every stream shares it). */
  get epoch(): string {
    return this.history.epoch;
  }

  start(): Promise<void> {
    const { historyLimit, historyTtlMs, sessionsTtlMs } = this.options;
    this.logger.info(
      { epoch: this.history.epoch, history_limit: historyLimit, history_ttl: historyTtlMs / 1000, sessions_ttl: sessionsTtlMs / 1000 },
      'Using in-memory broker',
    );
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  register(stream: string, data: string): StreamPosition {
    return this.history.append(stream, data);
  }

  historyFrom(stream: string, position: StreamPosition): HistoryRead {
    return this.history.after(stream, position);
  }

  historySince(stream: string, sinceSeconds: number): HistoryRead {
    return { ok: true, epoch: this.history.epoch, entries: this.history.since(stream, sinceSeconds) };
  }

  commitSession(sid: string, snapshot: SessionSnapshot): void {
    this.sessions.store(sid, snapshot);
  }

  restoreSession(sid: string): SessionSnapshot | null {
    return this.sessions.take(sid);
  }

  finishSession(sid: string): void {
    this.sessions.touch(sid);
  }
}
