import type { HistoryEntry, HistoryRead, StreamPosition } from '../broker.js';

/** What the history script returns: the stream's epoch, its raw XRANGE entries, and Redis's clock (unix ms). */
export type RawHistory = [epoch: string, entries: Array<[id: string, fields: string[]]>, nowMs: number];

/**
 * The live entries of a raw history: those younger than `ttlMs` by Redis's clock, in offset
 * order. An entry whose fields are not ours (somebody wrote to the key) is skipped.
 */
export function liveEntriesOf(raw: RawHistory, ttlMs: number): HistoryEntry[] {
  const [, entries, nowMs] = raw;
  const oldest = nowMs - ttlMs;
  const live: HistoryEntry[] = [];
  for (const [id, fields] of entries) {
    const offset = Number(id.slice(0, id.indexOf('-')));
    let data: string | undefined;
    let storedAt = Number.NaN;
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (fields[i] === 'd') data = fields[i + 1];
      else if (fields[i] === 't') storedAt = Number(fields[i + 1]);
    }
    if (data === undefined || !Number.isSafeInteger(offset) || !(storedAt >= oldest)) continue;
    live.push({ offset, storedAt, data });
  }
  return live;
}

/**
 * The entries after `position` (the same rules as the memory broker's): refused when the epoch is
 * not the stream's, the offset is not a non-negative integer, the stream is unknown or empty, or
 * the offset is no longer (or not yet) kept.
 */
export function entriesAfter(raw: RawHistory | null, ttlMs: number, position: StreamPosition): HistoryRead {
  if (!raw) return { ok: false, error: 'stream is empty or unknown' };
  const epoch = raw[0];
  if (position.epoch !== epoch) return { ok: false, error: `unknown epoch ${JSON.stringify(position.epoch)}` };
  if (!Number.isSafeInteger(position.offset) || position.offset < 0) return { ok: false, error: `bad offset ${String(position.offset)}` };
  const entries = liveEntriesOf(raw, ttlMs);
  if (entries.length === 0) return { ok: false, error: 'stream is empty or unknown' };
  const low = entries[0]!.offset;
  const high = entries[entries.length - 1]!.offset;
  if (position.offset < low) return { ok: false, error: `offset ${position.offset} is no longer kept (lowest: ${low})` };
  if (position.offset > high) return { ok: false, error: `offset ${position.offset} is past the latest (${high})` };
  return { ok: true, epoch, entries: entries.filter((entry) => entry.offset > position.offset) };
}

/** The entries stored at or after `sinceSeconds` (unix s), like the memory broker's. */
export function entriesSince(raw: RawHistory | null, ttlMs: number, sinceSeconds: number): HistoryRead {
  if (!raw) return { ok: true, epoch: '', entries: [] };
  const sinceMs = sinceSeconds * 1000;
  return { ok: true, epoch: raw[0], entries: liveEntriesOf(raw, ttlMs).filter((entry) => Math.floor(entry.storedAt / 1000) * 1000 >= sinceMs) };
}
