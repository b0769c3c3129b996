import type { KV, KvEntry, NatsConnection, QueuedIterator } from 'nats';
import { closeNats, connectNats } from '../../broadcast/nats-client.js';
import type { GatewayLogger } from '../../log/logger.js';
import type { PresenceDocuments, VersionedSet } from './presence-documents.js';
import type { PresenceSet } from './presence-set.js';
import { PRESENCE_REQUEST_TIMEOUT_MS, within } from './within.js';

/** The KV bucket of the sets (one key per stream). */
export const PRESENCE_BUCKET = '_anycable_presence_';

/** A stored set with its earliest deadline, so a watcher knows when to sweep it without reading it again. */
interface StoredSet {
  readonly d: number;
  readonly s: PresenceSet;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** KV keys allow `[-/_=.a-zA-Z0-9]`: a stream name of any characters, as base64url. */
const keyOf = (stream: string): string => Buffer.from(stream).toString('base64url') || '_';
const streamOf = (key: string): string => (key === '_' ? '' : Buffer.from(key, 'base64url').toString());

/**
 * broker=nats: the sets in the NATS KV bucket `_anycable_presence_`, shared by every gateway on
 * it. A change is a KV update naming the revision read (compare-and-set). Each gateway watches the
 * bucket and keeps every stream's earliest deadline, so a sweep reads only the streams due. Keys
 * not written for 10 × presence_ttl (at least a minute) expire with the bucket's TTL: sets of
 * gateways that all went away do not linger. Its own NATS connection.
 */
export class NatsPresenceDocuments implements PresenceDocuments {
  private connection: NatsConnection | null = null;
  private kv: KV | null = null;
  private watch: QueuedIterator<KvEntry> | null = null;
  private readonly deadlines = new Map<string, number>();
  private readonly stopping = new AbortController();

  constructor(
    private readonly servers: readonly string[],
    private readonly presenceTtlMs: number,
    private readonly logger: GatewayLogger,
  ) {}

  async start(): Promise<void> {
    // Like the NATS broker: the gateway starts even when NATS is not there yet; presence is refused meanwhile.
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    this.watch?.stop();
    if (this.connection) await closeNats(this.connection, 'presence', this.logger);
  }

  async read(stream: string): Promise<VersionedSet> {
    const entry = await within(this.bucket().get(keyOf(stream)), PRESENCE_REQUEST_TIMEOUT_MS, 'NATS KV get');
    if (!entry) return { set: null, version: null };
    const version = String(entry.revision);
    if (entry.operation !== 'PUT' || entry.value.length === 0) return { set: null, version };
    return { set: (JSON.parse(decoder.decode(entry.value)) as StoredSet).s, version };
  }

  async write(stream: string, set: PresenceSet | null, version: string | null, nextDeadline: number): Promise<boolean> {
    const kv = this.bucket();
    const key = keyOf(stream);
    try {
      if (set === null) {
        if (version !== null) await within(kv.delete(key, { previousSeq: Number(version) }), PRESENCE_REQUEST_TIMEOUT_MS, 'NATS KV delete');
      } else {
        const data = encoder.encode(JSON.stringify({ d: nextDeadline, s: set } satisfies StoredSet));
        if (version === null) await within(kv.create(key, data), PRESENCE_REQUEST_TIMEOUT_MS, 'NATS KV create');
        else await within(kv.update(key, data, Number(version)), PRESENCE_REQUEST_TIMEOUT_MS, 'NATS KV update');
      }
      return true;
    } catch (error) {
      if (/wrong last sequence|exists/i.test((error as Error).message)) return false;
      throw error;
    }
  }

  due(now: number): string[] {
    const due: string[] = [];
    for (const [key, deadline] of this.deadlines) if (deadline < now) due.push(streamOf(key));
    return due;
  }

  private bucket(): KV {
    if (!this.kv) throw new Error('NATS presence bucket not ready');
    return this.kv;
  }

  private async connect(): Promise<void> {
    const connection = await connectNats(this.servers, 'presence', this.logger, this.stopping.signal);
    if (!connection) return;
    this.connection = connection;
    const ttl = Math.max(10 * this.presenceTtlMs, 60_000);
    for (let attempt = 1; !this.stopping.signal.aborted; attempt++) {
      try {
        const kv = await connection.jetstream().views.kv(PRESENCE_BUCKET, { ttl, history: 1, replicas: 1 });
        this.watch = await kv.watch();
        this.kv = kv;
        void this.follow(this.watch);
        if (attempt > 1) this.logger.info('NATS presence bucket ready');
        return;
      } catch (error) {
        if (attempt === 1) this.logger.warn({ err: (error as Error).message }, 'NATS presence bucket not ready (is JetStream on?): retrying every second');
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  /** Keeps each stream's earliest deadline from the bucket's changes (any gateway's). */
  private async follow(watch: QueuedIterator<KvEntry>): Promise<void> {
    try {
      for await (const entry of watch) {
        if (entry.operation !== 'PUT' || entry.value.length === 0) {
          this.deadlines.delete(entry.key);
          continue;
        }
        try {
          this.deadlines.set(entry.key, (JSON.parse(decoder.decode(entry.value)) as StoredSet).d);
        } catch (error) {
          this.logger.warn({ key: entry.key, err: (error as Error).message }, 'unreadable presence set in NATS: ignored');
        }
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'NATS presence watch ended: expiry of other gateways\' sessions stops until restart');
    }
  }
}
