import type { HistoryRequest } from '#libs/protocol';
import { decodeClientCommand } from '../../protocol/client-command.decoder.js';
import { positionOfEventId } from './sse-frame-encoder.js';

import type { SubscribeCommand } from '../../protocol/protocol.types.js';

/** The subscriptions an SSE request asks for, or why it cannot be served (answered 400). */
export type SseSubscriptions = { ok: true; commands: SubscribeCommand[] } | { ok: false; error: string };

/** The reserved channels of signed/public streams and of Turbo Streams (anycable-go). */
const PUBSUB_CHANNEL = '$pubsub';
const TURBO_STREAMS_CHANNEL = 'Turbo::StreamsChannel';

/**
 * A GET request's one subscription, from its query (anycable-go 1.6.0, sse/sse.go), first match
 * wins: `identifier`; `channel` (`{"channel":<it>}`); `stream` (a public stream);
 * `signed_stream`; `turbo_signed_stream_name`. The identifier's keys are in anycable-go's
 * order (Go sorts map keys), so it reads the same in frames and RPC calls.
 * Resuming: `Last-Event-ID` (`<offset>/<epoch>/<stream>`, see eventIdOf) asks for that stream's
 * messages after the offset; `history_since` (unix seconds) for those since then.
 */
export function subscriptionFromQuery(query: URLSearchParams, lastEventId: string | undefined): SseSubscriptions {
  const identifier = identifierOf(query);
  if (!identifier) return { ok: false, error: 'no channel provided (identifier, channel, stream, signed_stream or turbo_signed_stream_name)' };
  const history: HistoryRequest = {};
  if (lastEventId) {
    const position = positionOfEventId(lastEventId);
    if (position === 'malformed') return { ok: false, error: `failed to parse last event id: ${lastEventId}` };
    if (position) history.streams = { [position.stream]: { epoch: position.epoch, offset: position.offset } };
  }
  const since = query.get('history_since');
  if (since) {
    if (!/^[+-]?\d+$/.test(since)) return { ok: false, error: `failed to parse history since value: ${since}` };
    history.since = Number(since);
  }
  const command: SubscribeCommand = history.streams || history.since !== undefined ? { command: 'subscribe', identifier, history } : { command: 'subscribe', identifier };
  return { ok: true, commands: [command] };
}

function identifierOf(query: URLSearchParams): string {
  const identifier = query.get('identifier');
  if (identifier) return identifier;
  const channel = query.get('channel');
  if (channel) return JSON.stringify({ channel });
  const stream = query.get('stream');
  if (stream) return JSON.stringify({ channel: PUBSUB_CHANNEL, stream_name: stream });
  const signed = query.get('signed_stream');
  if (signed) return JSON.stringify({ channel: PUBSUB_CHANNEL, signed_stream_name: signed });
  const turbo = query.get('turbo_signed_stream_name');
  if (turbo) return JSON.stringify({ channel: TURBO_STREAMS_CHANNEL, signed_stream_name: turbo });
  return '';
}

/**
 * A POST request's subscriptions: its body in JSON lines, one subscribe command per line
 * (`{"command":"subscribe","identifier":...}`), run in order. No line at all is allowed (a
 * connection with no subscription, as anycable-go allows). Other commands are refused: an SSE
 * session cannot act on anything but its subscriptions.
 */
export function subscriptionsFromBody(body: string): SseSubscriptions {
  const commands: SubscribeCommand[] = [];
  for (const line of body.split('\n')) {
    if (line.trim() === '') continue;
    const decoded = decodeClientCommand(line);
    if (!decoded.ok) return { ok: false, error: `failed to parse command: ${decoded.error}` };
    if (decoded.command.command !== 'subscribe') return { ok: false, error: `only subscribe commands are served over SSE, got ${decoded.command.command}` };
    commands.push(decoded.command);
  }
  return { ok: true, commands };
}

/** `raw=1` (also true, t, y: anycable-go's spellings): only data messages, no typed events. */
export function wantsRawData(query: URLSearchParams): boolean {
  return ['true', '1', 't', 'y'].includes((query.get('raw') ?? '').toLowerCase());
}
