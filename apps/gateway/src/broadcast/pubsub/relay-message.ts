import { decodeBroadcastItem, type BroadcastMessage } from '#libs/protocol';
import type { StreamPosition } from '../../broker/broker.js';

/**
 * A publication or remote command as one gateway relays it to the others: the message itself
 * (anycable-go's pub/sub format, so anycable-go nodes on the same channels understand it) with
 * `origin`, the relaying gateway's node id, first — so that gateway recognises its own echo and
 * skips it without parsing (it delivered the message locally already) — and, when a shared broker
 * registered it, its `epoch` and `offset` (anycable-go's registered StreamMessage fields; Go
 * reads JSON keys case-insensitively, so its nodes take them too).
 */
export function encodeRelayed(message: BroadcastMessage, origin: string, position: StreamPosition | null = null): string {
  return JSON.stringify(position ? { origin, ...message, epoch: position.epoch, offset: position.offset } : { origin, ...message });
}

/** A relayed message read back: the message and its position (null without one), or why it was refused. */
export type DecodedRelay = { ok: true; message: BroadcastMessage; position: StreamPosition | null } | { ok: false; error: string };

/**
 * Decodes what {@link encodeRelayed} wrote, or an anycable-go node's registered message (which
 * spells the fields `Epoch` and `Offset`: Go's untagged field names). One message per relay. Never throws.
 */
export function decodeRelayed(payload: string): DecodedRelay {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  if (Array.isArray(parsed)) return { ok: false, error: 'a relay carries one message' };
  const message = decodeBroadcastItem(parsed);
  if (typeof message === 'string') return { ok: false, error: message };
  const fields = parsed as { epoch?: unknown; offset?: unknown; Epoch?: unknown; Offset?: unknown };
  const epoch = fields.epoch ?? fields.Epoch;
  const offset = fields.offset ?? fields.Offset;
  const positioned = typeof epoch === 'string' && epoch !== '' && typeof offset === 'number' && Number.isSafeInteger(offset) && offset > 0;
  return { ok: true, message, position: positioned ? { epoch, offset } : null };
}

/** The prefix every message relayed by `origin` starts with. */
export function relayPrefixOf(origin: string): string {
  return `{"origin":${JSON.stringify(origin)},`;
}

/** Literal NATS subject tokens: no whitespace, no wildcards, no empty tokens. */
const LITERAL_SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

/**
 * The NATS subject of a stream's channel: the stream name itself, as anycable-go uses, when it is
 * a literal subject; else (spaces, wildcards, empty tokens) a base64url form that cannot collide
 * with a literal stream name.
 */
export function natsSubjectOf(stream: string): string {
  return LITERAL_SUBJECT.test(stream) && !stream.startsWith('__anycable_stream__.')
    ? stream
    : `__anycable_stream__.${Buffer.from(stream).toString('base64url') || '_'}`;
}
