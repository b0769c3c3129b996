import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient } from '../../broadcast/redis-client.js';
import type { GatewayLogger } from '../../log/logger.js';
import type { PresenceDocuments, VersionedSet } from './presence-documents.js';
import type { PresenceSet } from './presence-set.js';
import { PRESENCE_REQUEST_TIMEOUT_MS, within } from './within.js';

/** Key prefix of a stream's set (JSON). */
const SET_KEY_PREFIX = 'anycable:presence:';
/** Sorted set: stream → its earliest deadline (unix ms), so a sweep reads only the streams due. */
const DUE_KEY = 'anycable:presence:$due';
/**
 * A set nobody swept is deleted by Redis this long after its earliest deadline (all gateways gone):
 * it cannot linger forever, and any running gateway sweeps it long before.
 */
const ORPHAN_GRACE_MS = 60_000;
/** Streams looked at per sweep at most; the rest wait for the next sweep (1 s later). */
const MAX_DUE_PER_SWEEP = 1_000;

/**
 * Compare-and-set of one stream's set: written only if the stored JSON is still the one read
 * (ARGV[1], '' = none); ARGV[2] the new JSON ('' = delete), ARGV[3] its earliest deadline, ARGV[4]
 * the stream, ARGV[5] the key's expiry (unix ms). 1 = written, 0 = changed meanwhile.
 */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[4])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[5])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
end
return 1
`;

/**
 * broker=redis: the sets in Redis, shared by every gateway on it. A set is one JSON string changed
 * by a Lua compare-and-set; the sorted set `anycable:presence:$due` says which streams have a
 * deadline passed, so sweeps cost nothing while nobody expires. One connection of its own.
 */
export class RedisPresenceDocuments implements PresenceDocuments {
  private client: Redis | null = null;

  constructor(
    private readonly url: string,
    private readonly logger: GatewayLogger,
  ) {}

  start(): Promise<void> {
    const client = createRedisClient(this.url, 'presence', this.logger);
    client.defineCommand('presenceCompareAndSet', { numberOfKeys: 2, lua: COMPARE_AND_SET });
    this.client = client;
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    if (this.client) await closeRedisClient(this.client, 'presence', this.logger);
    this.client = null;
  }

  async read(stream: string): Promise<VersionedSet> {
    const raw = await within(this.redis().get(SET_KEY_PREFIX + stream), PRESENCE_REQUEST_TIMEOUT_MS, 'Redis GET');
    if (raw === null || raw === '') return { set: null, version: null };
    return { set: JSON.parse(raw) as PresenceSet, version: raw };
  }

  async write(stream: string, set: PresenceSet | null, version: string | null, nextDeadline: number): Promise<boolean> {
    const deadline = Number.isFinite(nextDeadline) ? nextDeadline : Date.now();
    const client = this.redis() as Redis & { presenceCompareAndSet(...args: Array<string | number>): Promise<number> };
    const written = await within(
      client.presenceCompareAndSet(SET_KEY_PREFIX + stream, DUE_KEY, version ?? '', set ? JSON.stringify(set) : '', deadline, stream, deadline + ORPHAN_GRACE_MS),
      PRESENCE_REQUEST_TIMEOUT_MS,
      'Redis presence write',
    );
    return written === 1;
  }

  due(now: number): Promise<string[]> {
    return within(this.redis().zrangebyscore(DUE_KEY, '-inf', `(${now}`, 'LIMIT', 0, MAX_DUE_PER_SWEEP), PRESENCE_REQUEST_TIMEOUT_MS, 'Redis ZRANGEBYSCORE');
  }

  private redis(): Redis {
    if (!this.client) throw new Error('presence store not started');
    return this.client;
  }
}
