import type { HistoryRequest } from '#libs/protocol';
import type { HistoryRead, PublicationLog, StreamPosition } from '../broker/broker.js';
import type { MissedMessage } from './live-delivery.js';
import { broadcastPrefixOf, encodeStreamMessage, messageJsonOf } from '../protocol/server-frame.encoder.js';

/**
 * What a `history` request gets: the frames to send before `confirm_history` and, per stream,
 * the last position the client will then have (so live duplicates can be dropped); or the
 * stream that could not be served (`reject_history`).
 */
export type HistoryAnswer =
  | { ok: true; frames: string[]; covered: Map<string, StreamPosition> }
  | { ok: false; stream: string; error: string };

/**
 * anycable-go's history command for one subscription: for each of its streams, the messages after
 * the client's position when it names one for that stream, else those since `since` (unix s).
 * One stream that cannot be served (other epoch, expired, unknown, broker unreachable) refuses the
 * whole request, as anycable-go does.
 */
export async function answerHistory(log: PublicationLog, identifier: string, streams: readonly string[], request: HistoryRequest): Promise<HistoryAnswer> {
  const frames: string[] = [];
  const covered = new Map<string, StreamPosition>();
  const prefix = broadcastPrefixOf(identifier);
  for (const stream of streams) {
    const position = request.streams?.[stream];
    let read: HistoryRead;
    let asked = -1;
    if (position && typeof position === 'object') {
      asked = Number(position.offset);
      read = await log.historyFrom(stream, { epoch: String(position.epoch), offset: asked });
    } else if (typeof request.since === 'number' && request.since > 0) {
      read = await log.historySince(stream, request.since);
    } else continue;
    if (!read.ok) return { ok: false, stream, error: read.error };
    for (const entry of read.entries) {
      frames.push(encodeStreamMessage(prefix, messageJsonOf(entry.data), stream, { epoch: read.epoch, offset: entry.offset }));
    }
    // The client has everything up to its own position (if it named one) and what this answer sends.
    const last = Math.max(asked, read.entries.at(-1)?.offset ?? -1);
    if (last >= 0) covered.set(stream, { epoch: read.epoch, offset: last });
  }
  return { ok: true, frames, covered };
}

/**
 * The messages of `stream` after `after`, as frames of the subscription `identifier`: what a
 * subscription whose live frames skipped some offsets missed. Null when the broker refuses.
 */
export async function missedAfter(log: PublicationLog, identifier: string, stream: string, after: StreamPosition): Promise<MissedMessage[] | null> {
  const read = await log.historyFrom(stream, after);
  if (!read.ok) return null;
  const prefix = broadcastPrefixOf(identifier);
  return read.entries.map((entry) => ({
    offset: entry.offset,
    text: encodeStreamMessage(prefix, messageJsonOf(entry.data), stream, { epoch: read.epoch, offset: entry.offset }),
  }));
}
