import { nowMicros } from './clock.js';

/** What a benchmark broadcast carries: its sequence number and the publisher's send time. */
export interface Stamp {
  seq: number;
  /** nowMicros() when the publisher handed the message to Redis. */
  sentAtMicros: number;
}

const SEQ_KEY = '"seq":';
const SENT_KEY = '"t":';

/** JSON text of a broadcast payload: `{"seq":N,"t":<µs>,"pad":"xxx…"}`, padded to about `padBytes`. */
export function stampedPayload(seq: number, padBytes: number): string {
  return `{"seq":${seq},"t":${nowMicros()},"pad":"${'x'.repeat(Math.max(0, padBytes))}"}`;
}

/**
 * Reads the stamp out of any frame that embeds a stamped payload (Action Cable or Socket.IO framing)
 * without parsing the whole frame: a client process receives thousands of these per second.
 * Returns undefined for frames that carry no stamp.
 */
export function readStamp(frame: string): Stamp | undefined {
  const seqAt = frame.indexOf(SEQ_KEY);
  if (seqAt < 0) return undefined;
  const sentAt = frame.indexOf(SENT_KEY, seqAt);
  if (sentAt < 0) return undefined;
  const seq = parseInt(frame.slice(seqAt + SEQ_KEY.length, seqAt + SEQ_KEY.length + 16), 10);
  const sentAtMicros = parseFloat(frame.slice(sentAt + SENT_KEY.length, sentAt + SENT_KEY.length + 24));
  if (!Number.isFinite(seq) || !Number.isFinite(sentAtMicros)) return undefined;
  return { seq, sentAtMicros };
}
