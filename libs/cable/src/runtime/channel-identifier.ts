import { parseJsonObject } from '../json.js';

/** A client's identifier read: the channel name and the other keys, or why it cannot be used. */
export type ChannelIdentifier =
  | { ok: true; channel: string; params: Record<string, unknown> }
  | { ok: false; reason: string };

/** Reads an identifier string (`{"channel":"comments","post_id":1}`). Pure; never throws. */
export function parseChannelIdentifier(identifier: string): ChannelIdentifier {
  const parsed = parseJsonObject(identifier);
  if (!parsed) return { ok: false, reason: 'the identifier is not a JSON object' };
  const { channel, ...params } = parsed;
  if (typeof channel !== 'string' || channel === '') {
    return { ok: false, reason: 'the identifier has no "channel" string' };
  }
  return { ok: true, channel, params };
}
