import type { DisconnectReason, PingPrecision } from './protocol.types.js';

/**
 * Server frames of the Action Cable protocol, as JSON text. Pure functions: no sockets, no timers.
 * Broadcast frames are assembled from pre-serialised parts so the identifier is encoded once per
 * stream group and the message once per broadcast.
 */

/** `{"type":"ping","message":<time>}` with the configured precision (anycable-go: s, ms or ns). */
export function encodePing(nowMs: number, precision: PingPrecision): string {
  const message = precision === 's' ? Math.floor(nowMs / 1000) : precision === 'ms' ? Math.floor(nowMs) : Math.floor(nowMs) * 1_000_000;
  return `{"type":"ping","message":${message}}`;
}

export function encodeDisconnect(reason: DisconnectReason, reconnect: boolean): string {
  return `{"type":"disconnect","reason":${JSON.stringify(reason)},"reconnect":${reconnect}}`;
}

/** `{"identifier":…,"type":"reject_subscription"}`: what Action Cable clients know as `rejected`. */
export function encodeSubscriptionRejection(identifier: string): string {
  return `{"identifier":${JSON.stringify(identifier)},"type":"reject_subscription"}`;
}

/**
 * Why a command got no answer: `rpc_unavailable`, the RPC app did not run it (every attempt was
 * refused, or none could be sent in time); `rpc_timeout`, its deadline passed while an attempt was
 * out, so the app may have run it (its effects, a broadcast, may still arrive).
 */
export type CommandRefusal = 'rpc_unavailable' | 'rpc_timeout';

/**
 * A command the RPC app did not answer within its deadline, refused: `{"identifier":…,"type":"error",
 * "message":{"error":"rpc_unavailable"|"rpc_timeout","command":…,"data":…}}`. `error` is anycable-go's
 * own reply type (common.ErrorType); the `message` makes both @rails/actioncable and @anycable/web
 * hand it to the subscription's `received`, so the app can tell its user, with the data it sent to match it.
 */
export function encodeCommandRefused(identifier: string, refusal: CommandRefusal, command: string, data: string): string {
  const message = { error: refusal, command, data };
  return `{"identifier":${JSON.stringify(identifier)},"type":"error","message":${JSON.stringify(message)}}`;
}

/** `{"identifier":…,"type":"confirm_subscription"}` for a subscription the gateway answers itself. */
export function encodeSubscriptionConfirmation(identifier: string): string {
  return `{"identifier":${JSON.stringify(identifier)},"type":"confirm_subscription"}`;
}

export function encodeHistoryReply(identifier: string, confirmed: boolean): string {
  return `{"type":"${confirmed ? 'confirm_history' : 'reject_history'}","identifier":${JSON.stringify(identifier)}}`;
}

/**
 * The JSON of a broadcast's `message`: `data` itself when it is valid JSON (sent as is, like
 * anycable-go's raw message), else `data` as a JSON string.
 */
export function messageJsonOf(data: string): string {
  try {
    JSON.parse(data);
    return data;
  } catch {
    return JSON.stringify(data);
  }
}

/**
 * The prefix every broadcast frame of one identifier starts with: `{"identifier":"<id>","message":`;
 * with a `broadcast_type` (anycable-go's StreamMessage meta, e.g. `presence`), `{"type":..,"identifier":..,"message":`.
 */
export function broadcastPrefixOf(identifier: string, type?: string): string {
  const typed = type ? `"type":${JSON.stringify(type)},` : '';
  return `{${typed}"identifier":${JSON.stringify(identifier)},"message":`;
}

/** A presence frame: an event of the subscription's set, the set itself, or `{"type":"error"}`. */
export function encodePresence(identifier: string, message: object): string {
  return JSON.stringify({ type: 'presence', identifier, message });
}

/** A complete broadcast frame from its prefix (see {@link broadcastPrefixOf}) and message JSON. */
export function encodeBroadcast(prefix: string, messageJson: string): string {
  return `${prefix}${messageJson}}`;
}

/**
 * A broadcast frame of the extended protocol for a stored message (anycable-go with a broker):
 * `{"identifier":..,"message":..,"stream_id":..,"epoch":..,"offset":..}`.
 */
export function encodeStreamMessage(prefix: string, messageJson: string, stream: string, position: { epoch: string; offset: number }): string {
  return `${prefix}${messageJson},"stream_id":${JSON.stringify(stream)},"epoch":${JSON.stringify(position.epoch)},"offset":${position.offset}}`;
}

/**
 * The extended protocol's welcome carries the session id: a `welcome` transmission from RPC
 * gets `sid` and `restored: false` added; every other transmission is returned unchanged.
 */
export function withSessionId(transmission: string, sid: string): string {
  if (!transmission.includes('welcome')) return transmission;
  let parsed: unknown;
  try {
    parsed = JSON.parse(transmission);
  } catch {
    return transmission;
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { type?: unknown }).type !== 'welcome') return transmission;
  return JSON.stringify({ ...(parsed as object), sid, restored: false });
}

/** The extended protocol's welcome of a restored session (anycable-go): the new sid and the restored subscriptions. */
export function encodeRestoredWelcome(sid: string, restoredIds: readonly string[]): string {
  return JSON.stringify({ type: 'welcome', sid, restored: true, restored_ids: restoredIds });
}
