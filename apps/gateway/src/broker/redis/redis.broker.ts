import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { settlesWithin } from '../../broadcast/waits.js';
import type { GatewayLogger } from '../../log/logger.js';
import type { GatewayStats } from '../../metrics/gateway-stats.js';
import type { Broker, HistoryRead, SessionSnapshot, StreamPosition } from '../broker.js';
import { parseSnapshot } from '../nats/session-snapshot-codec.js';
import type { PresenceStore } from '../presence/presence-store.js';
import { entriesAfter, entriesSince, type RawHistory } from './redis-history-entries.js';
import { COMMIT_SESSION_SCRIPT, HISTORY_SCRIPT, REGISTER_SCRIPT, RESTORE_SESSION_SCRIPT, sessionKeyOf, streamKeysOf } from './redis-scripts.js';

export interface RedisBrokerOptions {
  /** `redis_url` (shared with the redis broadcast adapters and pub/sub, as in anycable-go). */
  readonly url: string;
  /** `history_limit`: entries kept per stream (XADD MAXLEN). */
  readonly historyLimit: number;
  /** `history_ttl`: a stream's history expires this long after its last publication; older entries are not served. */
  readonly historyTtlMs: number;
  /** `sessions_ttl`: how long a session can be restored after its last change. */
  readonly sessionsTtlMs: number;
  /** `broker_timeout_milliseconds`: one Redis call's deadline; past it the operation counts as failed. */
  readonly timeoutMs: number;
}

/** How long `start` waits for Redis before going on (the client keeps reconnecting in the background). */
const FIRST_READY_WAIT_MS = 3_000;
/** Longest pause between two reconnect attempts: a restarted Redis is found again within 1 s. */
const MAX_RECONNECT_DELAY_MS = 1_000;
/**
 * A stream's epoch and offset counter outlive its history 10 times (anycable-go's memory broker
 * keeps a stream 10 × history_ttl), so a stream quiet for a while keeps its epoch and offsets.
 */
const STREAM_META_TTL_FACTOR = 10;

/** A Lua script and its SHA1, run with EVALSHA (EVAL once after a Redis restart emptied the script cache). */
interface Script {
  readonly lua: string;
  readonly sha: string;
}
const script = (lua: string): Script => ({ lua, sha: createHash('sha1').update(lua).digest('hex') });
const SCRIPTS = {
  register: script(REGISTER_SCRIPT),
  history: script(HISTORY_SCRIPT),
  commit: script(COMMIT_SESSION_SCRIPT),
  restore: script(RESTORE_SESSION_SCRIPT),
};

/**
 * `broker=redis` (anycable-go keeps a Redis broker for its paid version; this one is ours):
 * - history in one Redis Stream per broadcast stream, at most `history_limit` entries
 *   (XADD MAXLEN), the key expiring `history_ttl` after the last publication;
 * - one epoch per stream in Redis, created by the first publication and kept while the stream
 *   lives, so it survives gateway restarts; offsets come from a per-stream counter in Redis, so
 *   every gateway sees the same offset for the same message. Register is one Lua script
 *   (epoch, INCR, XADD, EXPIREs): two gateways racing on a stream get distinct, ordered offsets;
 * - sessions as keys with `sessions_ttl`; a restore takes the snapshot atomically (one restore
 *   per session, whichever gateway asks) and leaves a marker that stops the old session, if it is
 *   still open on some gateway, from writing it back.
 *
 * Redis unreachable (or slower than `broker_timeout_milliseconds`): commands fail at once (no
 * offline queue), so publications are delivered without positions, history requests are refused
 * and restores get a fresh session; each failure is counted (`broker_errors_total`) and logged
 * once per episode; the client reconnects by itself and registration resumes.
 */
export class RedisBroker implements Broker {
  readonly name = 'redis';
  private readonly client: Redis;
  private failing = false;

  constructor(
    private readonly options: RedisBrokerOptions,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
    /** The presence sets in Redis (broker/presence/, their own connection). */
    readonly presence: PresenceStore,
  ) {
    this.client = new Redis(options.url, {
      lazyConnect: true,
      // Fail fast while disconnected: a queue would hold live broadcasts back until Redis returns.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.timeoutMs,
      retryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    });
    this.client.on('error', (error: Error) => this.fail('connection', error));
    this.client.on('ready', () => this.recovered());
  }

  async start(): Promise<void> {
    const { url, historyLimit, historyTtlMs, sessionsTtlMs } = this.options;
    this.logger.info(
      { redis: url.replace(/\/\/[^@/]*@/, '//***@'), history_limit: historyLimit, history_ttl: historyTtlMs / 1000, sessions_ttl: sessionsTtlMs / 1000 },
      'Using Redis broker',
    );
    const connected = this.client.connect().catch((error: Error) => this.fail('connection', error));
    await settlesWithin(connected, FIRST_READY_WAIT_MS);
  }

  async stop(): Promise<void> {
    const quit = this.client.quit().catch((error: Error) => this.logger.debug({ broker: 'redis', err: error.message }, 'Redis QUIT failed'));
    if (!(await settlesWithin(quit, 1_000))) this.client.disconnect();
  }

  async register(stream: string, data: string): Promise<StreamPosition | null> {
    const { historyLimit, historyTtlMs } = this.options;
    const freshEpoch = randomBytes(6).toString('base64url');
    const result = await this.run('register', SCRIPTS.register, streamKeysOf(stream), [
      data,
      historyLimit,
      historyTtlMs,
      freshEpoch,
      historyTtlMs * STREAM_META_TTL_FACTOR,
    ]);
    if (!Array.isArray(result)) return null;
    const [epoch, offset] = result as [string, number];
    return { epoch, offset: Number(offset) };
  }

  async historyFrom(stream: string, position: StreamPosition): Promise<HistoryRead> {
    const raw = await this.readHistory(stream);
    return raw === undefined ? { ok: false, error: 'the Redis broker is unreachable' } : entriesAfter(raw, this.options.historyTtlMs, position);
  }

  async historySince(stream: string, sinceSeconds: number): Promise<HistoryRead> {
    const raw = await this.readHistory(stream);
    return raw === undefined ? { ok: false, error: 'the Redis broker is unreachable' } : entriesSince(raw, this.options.historyTtlMs, sinceSeconds);
  }

  async commitSession(sid: string, snapshot: SessionSnapshot): Promise<void> {
    await this.run('session commit', SCRIPTS.commit, [sessionKeyOf(sid)], [JSON.stringify(snapshot), this.options.sessionsTtlMs]);
  }

  async restoreSession(sid: string): Promise<SessionSnapshot | null> {
    const stored = await this.run('session restore', SCRIPTS.restore, [sessionKeyOf(sid)], [this.options.sessionsTtlMs]);
    if (typeof stored !== 'string') return null;
    const snapshot = parseSnapshot(stored);
    if (!snapshot) this.logger.warn({ sid, broker: 'redis' }, 'stored session is not a snapshot this gateway understands: not restored');
    return snapshot;
  }

  async finishSession(sid: string): Promise<void> {
    try {
      await this.client.pexpire(sessionKeyOf(sid), this.options.sessionsTtlMs);
      this.recovered();
    } catch (error) {
      this.fail('session finish', error as Error);
    }
  }

  /** The stream's raw history: null when the stream is unknown, undefined when Redis did not answer. */
  private async readHistory(stream: string): Promise<RawHistory | null | undefined> {
    const [history, epoch] = streamKeysOf(stream);
    const result = await this.run('history', SCRIPTS.history, [history, epoch], []);
    if (result === undefined) return undefined;
    return Array.isArray(result) ? (result as RawHistory) : null;
  }

  /** Runs a script (EVALSHA, EVAL when Redis does not know it yet); undefined when Redis failed (counted, logged once). */
  private async run(operation: string, { lua, sha }: Script, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      let result: unknown;
      try {
        result = await this.client.evalsha(sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!/NOSCRIPT/.test((error as Error).message)) throw error;
        result = await this.client.eval(lua, keys.length, ...keys, ...args);
      }
      this.recovered();
      return result;
    } catch (error) {
      this.fail(operation, error as Error);
      return undefined;
    }
  }

  private fail(operation: string, error: Error): void {
    if (operation !== 'connection') this.stats.brokerErrors++;
    if (this.failing) return;
    this.failing = true;
    this.logger.error(
      { broker: 'redis', operation, err: error.message },
      'Redis broker unreachable: publications go out without positions, history and restores are refused (further failures counted, not logged)',
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ broker: 'redis' }, 'Redis broker reachable again: registration resumed');
  }
}
