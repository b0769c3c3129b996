import type { JetStreamManager, StoredMsg } from 'nats';
import type { HistoryEntry } from '../broker.js';

/** A read of one JetStream stream: the entries asked for, or why not. */
export type JetStreamRead = { ok: true; entries: HistoryEntry[] } | { ok: false; error: string };

/** Messages fetched at once by one history read (a read asks at most history_limit messages). */
const GETS_AT_ONCE = 32;

const decoder = new TextDecoder();

/**
 * History reads straight from JetStream, so every gateway answers the same: the stream's state
 * (first and last sequence) and then the messages by sequence number (STREAM.MSG.GET). Offsets are
 * the JetStream sequence numbers. Rejects only when NATS fails; a refusal is a value.
 */
export class JetStreamHistory {
  constructor(private readonly jsm: JetStreamManager) {}

  /**
   * The messages after `offset` (anycable-go HistoryFrom, with the memory broker's rule it reads
   * through: refused when the offset is below the first message kept, or past the last).
   */
  async after(name: string, offset: number): Promise<JetStreamRead> {
    const state = await this.state(name);
    if (!state) return { ok: false, error: 'stream is empty or unknown' };
    if (offset < state.first) return { ok: false, error: `offset ${offset} is no longer kept (lowest: ${state.first})` };
    if (offset > state.last) return { ok: false, error: `offset ${offset} is past the latest (${state.last})` };
    return this.range(name, offset + 1, state.last);
  }

  /** The messages stored at or after `sinceSeconds` (unix seconds, whole seconds as the memory broker compares). */
  async since(name: string, sinceSeconds: number): Promise<JetStreamRead> {
    const state = await this.state(name);
    if (!state) return { ok: true, entries: [] };
    const sinceMs = sinceSeconds * 1000;
    const atOrAfter = (entry: HistoryEntry): boolean => Math.floor(entry.storedAt / 1000) * 1000 >= sinceMs;
    // Binary search for the first message at or after the time: a few gets, whatever the history size.
    let low = state.first;
    let high = state.last + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      const entry = await this.get(name, middle);
      if (entry === null || !atOrAfter(entry)) low = middle + 1;
      else high = middle;
    }
    if (low > state.last) return { ok: true, entries: [] };
    const read = await this.range(name, low, state.last);
    return read.ok ? { ok: true, entries: read.entries.filter(atOrAfter) } : read;
  }

  private async state(name: string): Promise<{ first: number; last: number } | null> {
    try {
      const info = await this.jsm.streams.info(name);
      if (info.state.messages === 0) return null;
      return { first: info.state.first_seq, last: info.state.last_seq };
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private async range(name: string, from: number, to: number): Promise<JetStreamRead> {
    const entries: HistoryEntry[] = [];
    for (let start = from; start <= to; start += GETS_AT_ONCE) {
      const seqs = Array.from({ length: Math.min(GETS_AT_ONCE, to - start + 1) }, (_, index) => start + index);
      const batch = await Promise.all(seqs.map((seq) => this.get(name, seq)));
      for (const [index, entry] of batch.entries()) {
        // Expired (max_age) or trimmed (max_msgs) since the state was read: what was missed is gone.
        if (entry === null) return { ok: false, error: `offset ${seqs[index]!} is no longer kept` };
        entries.push(entry);
      }
    }
    return { ok: true, entries };
  }

  private async get(name: string, seq: number): Promise<HistoryEntry | null> {
    let message: StoredMsg;
    try {
      message = await this.jsm.streams.getMessage(name, { seq });
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
    return { offset: message.seq, storedAt: message.time.getTime(), data: decoder.decode(message.data) };
  }
}

/** JetStream's "not found" answers (stream or message), as nats.js reports them. */
export function isNotFound(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /not found/i.test(message);
}
