/**
 * The Lua scripts of broker=redis. Each runs atomically in Redis, so two gateways registering on
 * the same stream, or restoring the same session, never interleave their steps.
 *
 * Keys (see redisKeysOf): per stream `_ac_h:<stream>` (a Redis Stream: the history, entry id
 * `<offset>-0`, fields `d` data and `t` unix ms), `_ac_e:<stream>` (its epoch), `_ac_o:<stream>`
 * (its last offset); per session `_ac_s:<sid>` (the snapshot JSON, or `!` once restored).
 */

/**
 * Register: KEYS history, epoch, offset; ARGV data, history_limit, history_ttl ms, a fresh epoch
 * (used only when the stream has none), the epoch/offset keys' TTL ms. Returns {epoch, offset}.
 * A stream without an epoch or an offset counter (never written, expired, or lost by a Redis
 * restart without persistence) starts over under the fresh epoch with an empty history: clients
 * holding offsets of the old one get reject_history, never somebody else's messages.
 */
export const REGISTER_SCRIPT = `
local epoch = redis.call('GET', KEYS[2])
if (not epoch) or redis.call('EXISTS', KEYS[3]) == 0 then
  epoch = ARGV[4]
  redis.call('SET', KEYS[2], epoch)
  redis.call('SET', KEYS[3], 0)
  redis.call('DEL', KEYS[1])
end
local offset = redis.call('INCR', KEYS[3])
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], offset .. '-0', 'd', ARGV[1], 't', ms)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('PEXPIRE', KEYS[3], ARGV[5])
return {epoch, offset}
`;

/** History: KEYS history, epoch. Returns false (unknown stream) or {epoch, entries, now ms}. */
export const HISTORY_SCRIPT = `
local epoch = redis.call('GET', KEYS[2])
if not epoch then return false end
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
return {epoch, redis.call('XRANGE', KEYS[1], '-', '+'), ms}
`;

/** Session commit: KEYS session; ARGV snapshot JSON, sessions_ttl ms. A restored session (`!`) is not written again. */
export const COMMIT_SESSION_SCRIPT = `
if redis.call('GET', KEYS[1]) == '!' then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`;

/**
 * Session restore: KEYS session; ARGV sessions_ttl ms. Returns the snapshot JSON and leaves `!`
 * in its place, so a second restore (on any gateway) finds nothing and the old session, if it is
 * still open somewhere, cannot commit it back.
 */
export const RESTORE_SESSION_SCRIPT = `
local snapshot = redis.call('GET', KEYS[1])
if (not snapshot) or snapshot == '!' then return false end
redis.call('SET', KEYS[1], '!', 'PX', ARGV[1])
return snapshot
`;

/** The Redis keys of a stream's history, epoch and offset counter. */
export function streamKeysOf(stream: string): [history: string, epoch: string, offset: string] {
  return [`_ac_h:${stream}`, `_ac_e:${stream}`, `_ac_o:${stream}`];
}

/** The Redis key of a session's snapshot. */
export function sessionKeyOf(sid: string): string {
  return `_ac_s:${sid}`;
}
