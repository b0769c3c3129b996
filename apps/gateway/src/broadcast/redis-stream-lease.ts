import type { Redis } from 'ioredis';

/** Renews the lease if `owner` holds it, takes it if no one does; 1 if `owner` holds it now. */
const HOLD_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

/** Deletes the lease only if `owner` holds it. */
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * Which gateway of the consumer group reads the stream now: a Redis key holding the reader's node
 * id for `ttlMs`, renewed by the reader before each read. One reader at a time keeps each stream's
 * publications in order on every gateway: entries taken by two gateways at once would reach the
 * clients of each in a different order (one delivers its own at once, gets the other's relayed
 * later). A reader that dies stops renewing; another gateway takes the lease once it expires.
 */
export class RedisStreamLease {
  constructor(
    readonly key: string,
    private readonly owner: string,
    private readonly ttlMs: number,
  ) {}

  /** True if this gateway holds the lease now (renewed, or just taken). */
  async hold(client: Redis): Promise<boolean> {
    return Number(await client.eval(HOLD_SCRIPT, 1, this.key, this.owner, this.ttlMs)) === 1;
  }

  async release(client: Redis): Promise<void> {
    await client.eval(RELEASE_SCRIPT, 1, this.key, this.owner);
  }
}
