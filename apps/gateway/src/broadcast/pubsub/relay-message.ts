import type { BroadcastMessage } from '#libs/protocol';

/**
 * A publication or remote command as one gateway relays it to the others: the message itself
 * (anycable-go's pub/sub format, so anycable-go nodes on the same channels understand it) with
 * `origin`, the relaying gateway's node id, first — so that gateway recognises its own echo and
 * skips it without parsing (it delivered the message locally already).
 */
export function encodeRelayed(message: BroadcastMessage, origin: string): string {
  return JSON.stringify({ origin, ...message });
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
