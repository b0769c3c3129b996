import { createHash } from 'node:crypto';

/**
 * anycable-go's names in NATS (broker/nats.go): the sessions bucket, the epoch bucket and key, and
 * the `_ac_` prefix of each broadcast stream's JetStream stream. Keeping them lets our gateway and
 * anycable-go share one NATS (same offsets, same epoch, same sessions).
 */
export const SESSIONS_BUCKET = '_anycable_';
export const EPOCH_BUCKET = '_anycable_epoch_';
export const EPOCH_KEY = '_epoch_';
const STREAM_PREFIX = '_ac_';
/** Prefix of the names of broadcast streams whose name JetStream does not allow as is. */
const ENCODED_PREFIX = '_acx_';
/** JetStream stream names: no whitespace, `.`, `*`, `>`, path separators or control characters. */
const VALID_NAME = /^[^\s.*>/\\\x00-\x1f\x7f]+$/;
/** Longest JetStream stream name we make (the server limits a name to 255 bytes, and it becomes part of file paths). */
const MAX_NAME_BYTES = 200;

/**
 * The JetStream stream (and its only subject) holding a broadcast stream's history: `_ac_<stream>`,
 * anycable-go's name, when JetStream allows it; else `_acx_` + the base64url of the name, or of its
 * SHA-256 when that is too long. The two prefixes cannot collide (the 4th character differs).
 */
export function jetStreamNameOf(stream: string): string {
  const plain = STREAM_PREFIX + stream;
  if (VALID_NAME.test(stream) && Buffer.byteLength(plain) <= MAX_NAME_BYTES) return plain;
  const encoded = ENCODED_PREFIX + Buffer.from(stream).toString('base64url');
  if (encoded.length <= MAX_NAME_BYTES) return encoded;
  return `${ENCODED_PREFIX}sha256-${createHash('sha256').update(stream).digest('base64url')}`;
}

/**
 * A session's key in the sessions bucket. anycable-go uses the sid itself; KV keys allow only
 * `[-/_=.a-zA-Z0-9]`, so any other sid (ours are random base64url, anycable-go's nanoids) is hex-encoded
 * under a prefix that no plain sid has.
 */
export function sessionKeyOf(sid: string): string {
  return /^[-_=a-zA-Z0-9][-/_=.a-zA-Z0-9]*$/.test(sid) && !sid.startsWith('x.') ? sid : `x.${Buffer.from(sid).toString('hex')}`;
}
