import { randomBytes } from 'node:crypto';
import { DiscardPolicy, KvWatchInclude, nanos, StorageType, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection, type QueuedIterator, type KvEntry } from 'nats';
import { closeNats, connectNats } from '../../broadcast/nats-client.js';
import { pause, settlesWithin } from '../../broadcast/waits.js';
import type { GatewayLogger } from '../../log/logger.js';
import type { GatewayStats } from '../../metrics/gateway-stats.js';
import type { Broker, HistoryRead, SessionSnapshot, StreamPosition } from '../broker.js';
import type { PresenceStore } from '../presence/presence-store.js';
import { MAX_HISTORY_STREAMS } from '../stream-history.js';
import { JetStreamHistory, type JetStreamRead } from './jetstream-history.js';
import { EPOCH_BUCKET, EPOCH_KEY, jetStreamNameOf, SESSIONS_BUCKET, sessionKeyOf } from './jetstream-names.js';
import { parseSnapshot } from './session-snapshot-codec.js';

export interface NatsBrokerOptions {
  /** `nats_servers` (shared with the nats broadcast adapter and pub/sub, as in anycable-go). */
  readonly servers: readonly string[];
  /** `history_limit`: messages kept per stream (the JetStream stream's max_msgs). */
  readonly historyLimit: number;
  /** `history_ttl`: how long a message is kept (the stream's max_age). */
  readonly historyTtlMs: number;
  /** `sessions_ttl`: how long a session can be restored after its last change (the sessions bucket's TTL). */
  readonly sessionsTtlMs: number;
}

/**
 * How long one JetStream request (a publish, a read, a KV operation) may take before the operation
 * counts as failed. anycable-go waits 1 s for JetStream to be ready before refusing; 2 s leaves room
 * for a busy 2-core machine while keeping a refused restore quick.
 */
const REQUEST_TIMEOUT_MS = 2_000;
/** How long `start` waits for NATS and JetStream before going on (the rest is retried in the background). */
const FIRST_READY_WAIT_MS = 5_000;
/** Pause between two attempts to set JetStream up (buckets, epoch). */
const SETUP_RETRY_MS = 1_000;
/** A restore retries its atomic take this many times when the session changed in between. */
const TAKE_ATTEMPTS = 3;
/** The epoch key is re-written this often at most, so it never expires while gateways run. */
const EPOCH_REFRESH_MAX_MS = 10 * 60_000;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What is set up once NATS and JetStream answer. */
interface JetStreamParts {
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly sessions: KV;
  readonly epochs: KV;
  readonly history: JetStreamHistory;
}

/**
 * `broker=nats`: anycable-go's open-source distributed broker (broker/nats.go), on NATS JetStream
 * (`nats-server -js`), with its names, so the two can share a NATS:
 * - one JetStream stream per broadcast stream, `_ac_<stream>`, with max_msgs = history_limit and
 *   max_age = history_ttl; a publication's offset is its JetStream sequence number, the same on
 *   every gateway;
 * - the epoch in the KV bucket `_anycable_epoch_` (key `_epoch_`, bucket TTL 10 × the longest of
 *   history_ttl and sessions_ttl): the first gateway creates it, the others and later starts read
 *   it, so it survives a gateway restart; a change by anyone is watched and followed;
 * - sessions in the KV bucket `_anycable_` with TTL = sessions_ttl (a restore takes the snapshot
 *   atomically: get, then delete only if unchanged).
 * Unlike anycable-go, history is read from JetStream itself rather than from a local copy fed by a
 * consumer, so a gateway never answers from a copy that is behind.
 *
 * When NATS or JetStream is unreachable, publications are delivered without positions, history and
 * restores are refused (reject_history, a fresh session), each failure is counted
 * (`broker_errors_total`) and logged once per episode; everything resumes when NATS is back (after
 * a reconnect the buckets and the epoch are set up again: if NATS lost its data, a new epoch tells
 * clients their offsets are gone).
 */
export class NatsBroker implements Broker {
  readonly name = 'nats';
  private connection: NatsConnection | null = null;
  private connected = false;
  private parts: JetStreamParts | null = null;
  private epoch = '';
  /** JetStream streams created (or being created) by this gateway, least recently used first; bounded. */
  private readonly streams = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  private epochWatch: QueuedIterator<KvEntry> | null = null;
  private epochRefresh: NodeJS.Timeout | undefined;
  private setup: Promise<void> = Promise.resolve();
  private failing = false;

  constructor(
    private readonly options: NatsBrokerOptions,
    private readonly logger: GatewayLogger,
    private readonly stats: GatewayStats,
    /** The presence sets in the KV bucket `_anycable_presence_` (broker/presence/). */
    readonly presence: PresenceStore,
  ) {}

  async start(): Promise<void> {
    const { servers, historyLimit, historyTtlMs, sessionsTtlMs } = this.options;
    this.logger.info({ servers, history_limit: historyLimit, history_ttl: historyTtlMs / 1000, sessions_ttl: sessionsTtlMs / 1000 }, 'Using NATS broker (JetStream)');
    const ready = this.connectAndSetUp();
    this.setup = ready;
    await settlesWithin(ready, FIRST_READY_WAIT_MS);
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    clearInterval(this.epochRefresh);
    this.epochWatch?.stop();
    await settlesWithin(this.setup, 1_000);
    const connection = this.connection;
    this.parts = this.connection = null;
    if (connection) await closeNats(connection, 'broker', this.logger);
  }

  register(stream: string, data: string): Promise<StreamPosition | null> | null {
    const parts = this.usable('register');
    return parts ? this.publish(parts, stream, data) : null;
  }

  async historyFrom(stream: string, position: StreamPosition): Promise<HistoryRead> {
    const parts = this.usable('history');
    if (!parts) return { ok: false, error: 'the NATS broker is unreachable' };
    if (position.epoch !== this.epoch) return { ok: false, error: `unknown epoch ${JSON.stringify(position.epoch)}` };
    if (!Number.isSafeInteger(position.offset) || position.offset < 0) return { ok: false, error: `bad offset ${String(position.offset)}` };
    return this.read('history', () => parts.history.after(jetStreamNameOf(stream), position.offset));
  }

  async historySince(stream: string, sinceSeconds: number): Promise<HistoryRead> {
    const parts = this.usable('history');
    if (!parts) return { ok: false, error: 'the NATS broker is unreachable' };
    return this.read('history', () => parts.history.since(jetStreamNameOf(stream), sinceSeconds));
  }

  async commitSession(sid: string, snapshot: SessionSnapshot): Promise<void> {
    const parts = this.usable('session commit');
    if (!parts) return;
    try {
      await parts.sessions.put(sessionKeyOf(sid), encoder.encode(JSON.stringify(snapshot)));
      this.recovered();
    } catch (error) {
      this.fail('session commit', error);
    }
  }

  async restoreSession(sid: string): Promise<SessionSnapshot | null> {
    const parts = this.usable('session restore');
    if (!parts) return null;
    const key = sessionKeyOf(sid);
    try {
      for (let attempt = 1; attempt <= TAKE_ATTEMPTS; attempt++) {
        const entry = await parts.sessions.get(key);
        if (!entry || entry.operation !== 'PUT') return null;
        try {
          // Taken only if nobody changed it since the read: one restore per session, even across gateways.
          await parts.sessions.delete(key, { previousSeq: entry.revision });
        } catch (error) {
          if (/wrong last sequence/i.test((error as Error).message)) continue;
          throw error;
        }
        this.recovered();
        const snapshot = parseSnapshot(decoder.decode(entry.value));
        if (!snapshot) this.logger.warn({ sid, broker: 'nats' }, 'stored session is not a snapshot this gateway understands: not restored');
        return snapshot;
      }
      return null;
    } catch (error) {
      this.fail('session restore', error);
      return null;
    }
  }

  async finishSession(sid: string): Promise<void> {
    const parts = this.usable('session finish');
    if (!parts) return;
    const key = sessionKeyOf(sid);
    try {
      // anycable-go TouchSession: written again, so its TTL starts now. Only if unchanged meanwhile.
      const entry = await parts.sessions.get(key);
      if (entry?.operation === 'PUT') await parts.sessions.update(key, entry.value, entry.revision).catch(() => undefined);
      this.recovered();
    } catch (error) {
      this.fail('session finish', error);
    }
  }

  /** The JetStream parts when NATS is connected and set up; else counts and logs the refusal. */
  private usable(operation: string): JetStreamParts | null {
    if (this.parts && this.connected) return this.parts;
    this.fail(operation, new Error(this.connection ? 'NATS connection lost' : 'NATS or JetStream not reachable yet'));
    return null;
  }

  private async publish(parts: JetStreamParts, stream: string, data: string): Promise<StreamPosition | null> {
    const name = jetStreamNameOf(stream);
    try {
      await this.ensureStream(parts, name);
      const ack = await parts.js.publish(name, encoder.encode(data), { timeout: REQUEST_TIMEOUT_MS, expect: { streamName: name } });
      this.recovered();
      return { epoch: this.epoch, offset: ack.seq };
    } catch (error) {
      // The stream may be gone (NATS lost its data, or it was deleted): create it again next time.
      this.streams.delete(name);
      this.fail('register', error);
      return null;
    }
  }

  private async read(operation: string, reading: () => Promise<JetStreamRead>): Promise<HistoryRead> {
    try {
      const read = await reading();
      this.recovered();
      return read.ok ? { ok: true, epoch: this.epoch, entries: read.entries } : read;
    } catch (error) {
      this.fail(operation, error);
      return { ok: false, error: `the NATS broker failed: ${(error as Error).message}` };
    }
  }

  /**
   * Creates the JetStream stream of a broadcast stream once per gateway (anycable-go
   * ensureStreamExists). Created by another gateway already: its settings are brought to this
   * gateway's history_limit and history_ttl.
   */
  private ensureStream(parts: JetStreamParts, name: string): Promise<void> {
    const known = this.streams.get(name);
    if (known) {
      this.streams.delete(name);
      this.streams.set(name, known);
      return known;
    }
    const limits = { max_msgs: this.options.historyLimit, max_age: nanos(this.options.historyTtlMs) };
    const created = parts.jsm.streams
      .add({ name, subjects: [name], ...limits, num_replicas: 1, storage: StorageType.File, discard: DiscardPolicy.Old })
      .then(
        () => undefined,
        async (error: Error) => {
          if (!/already in use/i.test(error.message)) throw error;
          await parts.jsm.streams.update(name, limits);
        },
      );
    this.streams.set(name, created);
    if (this.streams.size > MAX_HISTORY_STREAMS) this.streams.delete(this.streams.keys().next().value as string);
    return created;
  }

  private async connectAndSetUp(): Promise<void> {
    const connection = await connectNats(this.options.servers, 'broker', this.logger, this.stopping.signal);
    if (!connection) return;
    this.connection = connection;
    this.connected = true;
    void this.followConnection(connection);
    await this.setUpUntilReady(connection);
  }

  private async setUpUntilReady(connection: NatsConnection): Promise<void> {
    while (!this.stopping.signal.aborted) {
      try {
        this.parts = await this.setUpJetStream(connection);
        this.recovered();
        this.logger.info({ broker: 'nats', epoch: this.epoch }, 'NATS broker ready');
        return;
      } catch (error) {
        this.fail('JetStream set-up (is nats-server running with -js?)', error);
        await pause(SETUP_RETRY_MS, this.stopping.signal);
      }
    }
  }

  private async setUpJetStream(connection: NatsConnection): Promise<JetStreamParts> {
    const jsm = await connection.jetstreamManager({ timeout: REQUEST_TIMEOUT_MS });
    const js = connection.jetstream({ timeout: REQUEST_TIMEOUT_MS });
    const { historyTtlMs, sessionsTtlMs } = this.options;
    const sessions = await this.bucket(js, jsm, SESSIONS_BUCKET, sessionsTtlMs);
    const epochTtlMs = 10 * Math.max(historyTtlMs, sessionsTtlMs);
    const epochs = await this.bucket(js, jsm, EPOCH_BUCKET, epochTtlMs);
    this.epoch = await this.claimEpoch(epochs);
    this.streams.clear();
    this.watchEpoch(epochs);
    clearInterval(this.epochRefresh);
    this.epochRefresh = setInterval(() => void this.refreshEpoch(epochs), Math.min(epochTtlMs / 4, EPOCH_REFRESH_MAX_MS));
    this.epochRefresh.unref();
    return { js, jsm, sessions, epochs, history: new JetStreamHistory(jsm) };
  }

  /** A KV bucket with this TTL; an existing one with another TTL gets this one (anycable-go re-creates it, losing its keys). */
  private async bucket(js: JetStreamClient, jsm: JetStreamManager, name: string, ttlMs: number): Promise<KV> {
    const kv = await js.views.kv(name, { ttl: ttlMs, history: 1, replicas: 1 });
    const status = await kv.status();
    if (status.ttl !== ttlMs) {
      this.logger.warn({ broker: 'nats', bucket: name, old_ttl_ms: status.ttl, ttl_ms: ttlMs }, 'KV bucket TTL changed: updating it');
      await jsm.streams.update(status.streamInfo.config.name, { max_age: nanos(ttlMs) });
    }
    return kv;
  }

  /** The shared epoch: created by the first gateway (a random one), read by every later one. */
  private async claimEpoch(epochs: KV): Promise<string> {
    const fresh = randomBytes(3).toString('base64url');
    for (let attempt = 1; ; attempt++) {
      try {
        await epochs.create(EPOCH_KEY, encoder.encode(fresh));
        return fresh;
      } catch (error) {
        if (attempt >= TAKE_ATTEMPTS || !/wrong last sequence|exists/i.test((error as Error).message)) throw error;
      }
      const entry = await epochs.get(EPOCH_KEY);
      if (entry?.operation === 'PUT') return decoder.decode(entry.value);
    }
  }

  /** Follows epoch changes made elsewhere (another gateway after a reset, an operator). */
  private watchEpoch(epochs: KV): void {
    this.epochWatch?.stop();
    void epochs.watch({ key: EPOCH_KEY, include: KvWatchInclude.UpdatesOnly }).then(
      async (watch) => {
        this.epochWatch = watch;
        for await (const entry of watch) {
          const epoch = decoder.decode(entry.value);
          if (entry.operation !== 'PUT' || epoch === this.epoch) continue;
          this.logger.warn({ broker: 'nats', epoch, previous: this.epoch }, 'epoch changed: offsets of the previous epoch are refused from now on');
          this.epoch = epoch;
        }
      },
      (error: Error) => this.logger.warn({ broker: 'nats', err: error.message }, 'cannot watch the epoch: a change made elsewhere is seen after the next reconnect'),
    );
  }

  /** Writes the epoch again before its bucket TTL ends, so it does not expire while gateways run. */
  private async refreshEpoch(epochs: KV): Promise<void> {
    if (!this.connected) return;
    try {
      const entry = await epochs.get(EPOCH_KEY);
      if (entry?.operation === 'PUT') await epochs.update(EPOCH_KEY, entry.value, entry.revision);
      else await epochs.create(EPOCH_KEY, encoder.encode(this.epoch));
    } catch (error) {
      this.logger.debug({ broker: 'nats', err: (error as Error).message }, 'epoch refresh skipped (another gateway wrote it, or NATS is away)');
    }
  }

  /** Tracks the connection: refused fast while it is down; set up again after a reconnect. */
  private async followConnection(connection: NatsConnection): Promise<void> {
    try {
      for await (const status of connection.status()) {
        if (status.type === 'disconnect') this.connected = false;
        else if (status.type === 'reconnect') {
          this.connected = true;
          this.setup = this.setUpUntilReady(connection);
        }
      }
    } catch (error) {
      this.logger.warn({ broker: 'nats', err: (error as Error).message }, 'NATS status stream ended');
    }
  }

  private fail(operation: string, error: unknown): void {
    this.stats.brokerErrors++;
    if (this.failing) return;
    this.failing = true;
    this.logger.warn(
      { broker: 'nats', operation, err: error instanceof Error ? error.message : String(error) },
      'NATS broker unavailable: publications delivered without positions, history and restores refused (further failures counted in broker_errors_total, not logged)',
    );
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.logger.info({ broker: 'nats' }, 'NATS broker available again');
  }
}
