import { decodeBroadcast, type BroadcastMessage } from '#libs/protocol';
import type { StreamPosition } from '../../broker/broker.js';

/**
 * A publication or remote command as one gateway relays it to the others: the message itself
 * (anycable-go's pub/sub format, so anycable-go nodes on the same channels understand it) with
 * `origin`, the relaying gateway's node id, first — so that gateway recognises its own echo and
 * skips it without parsing (it delivered the message locally already) — and, when the broker
 * registered it, its `epoch` and `offset` (anycable-go's registered StreamMessage fields).
 */
export function encodeRelayed(message: BroadcastMessage, origin: string, position: StreamPosition | null = null): string {
  return JSON.stringify(position ? { origin, ...message, epoch: position.epoch, offset: position.offset } : { origin, ...message });
}

/** A relayed message read back: the message and the position it was registered at (null: none). */
export type RelayedRead = { ok: true; message: BroadcastMessage; position: StreamPosition | null } | { ok: false; error: string };

/** Reads a relay (encodeRelayed, or an anycable-go node's registered message). */
export function decodeRelayed(payload: string): RelayedRead {
  const decoded = decodeBroadcast(payload);
  if (!decoded.ok) return decoded;
  if (decoded.messages.length !== 1) return { ok: false, error: 'a relay carries one message' };
  const { epoch, offset } = JSON.parse(payload) as { epoch?: unknown; offset?: unknown };
  const position = typeof epoch === 'string' && epoch !== '' && Number.isSafeInteger(offset) && (offset as number) >= 0 ? { epoch, offset: offset as number } : null;
  return { ok: true, message: decoded.messages[0]!, position };
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
