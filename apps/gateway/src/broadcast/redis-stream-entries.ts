/** One Redis Streams entry: its id and the `payload` field (null when the entry has none or was deleted). */
export interface StreamEntry {
  readonly id: string;
  readonly payload: string | null;
}

/**
 * The entries of an XREADGROUP reply for one stream. Accepts both reply shapes: RESP2
 * `[[key, entries]]` and RESP3 read with ioredis' legacy mapping, where the map becomes a flat
 * `[key, entries]`; null (the BLOCK timed out) gives no entries.
 */
export function entriesOfRead(reply: unknown): StreamEntry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === 'string' || Buffer.isBuffer(reply[0])) return parseEntries(reply[1]);
  return reply.flatMap((stream: unknown) => (Array.isArray(stream) ? parseEntries(stream[1]) : []));
}

/** XAUTOCLAIM reply `[nextCursor, entries, deletedIds?]`. */
export function entriesOfClaim(reply: unknown): { cursor: string; entries: StreamEntry[]; deleted: string[] } {
  if (!Array.isArray(reply)) return { cursor: '0-0', entries: [], deleted: [] };
  const deleted = Array.isArray(reply[2]) ? reply[2].map(String) : [];
  return { cursor: String(reply[0] ?? '0-0'), entries: parseEntries(reply[1]), deleted };
}

function parseEntries(entries: unknown): StreamEntry[] {
  if (!Array.isArray(entries)) return [];
  const parsed: StreamEntry[] = [];
  for (const entry of entries) {
    if (!Array.isArray(entry) || entry.length < 1) continue;
    parsed.push({ id: String(entry[0]), payload: payloadOf(entry[1]) });
  }
  return parsed;
}

/** The value of the `payload` field in a flat `[field, value, ...]` list (Redis 6.2 gives null for a deleted entry). */
function payloadOf(fields: unknown): string | null {
  if (!Array.isArray(fields)) return null;
  for (let index = 0; index + 1 < fields.length; index += 2) {
    if (String(fields[index]) === 'payload') return String(fields[index + 1]);
  }
  return null;
}
