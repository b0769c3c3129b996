import { parseJsonObject } from './json.js';

/**
 * Serialises connection identifiers to the `identifiers` string that Connect returns and every
 * later call carries back verbatim: a JSON object with its keys sorted, `undefined` written as `null`.
 *
 * Sorting makes the string canonical, so an app can rebuild it from the values alone, e.g. to close
 * every session of a user through `BroadcastService.disconnect(serializeIdentifiers({ current_user_id, sid }))`.
 * The string must list every key of the connection's `identifiedBy`, exactly as the connection declares them.
 */
export function serializeIdentifiers(identifiers: object): string {
  const record = identifiers as Record<string, unknown>;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    sorted[key] = record[key] === undefined ? null : record[key];
  }
  return JSON.stringify(sorted);
}

/** Thrown when an `identifiers` string is not the JSON object {@link serializeIdentifiers} writes. */
export class MalformedIdentifiersError extends Error {
  constructor(raw: string) {
    super(`connection identifiers are not a JSON object: ${JSON.stringify(raw.slice(0, 200))}`);
    this.name = 'MalformedIdentifiersError';
  }
}

/**
 * Reads back an `identifiers` string written by {@link serializeIdentifiers}. An empty string gives `{}`
 * (a gateway may send one for a session it never connected); anything else that is not a JSON object throws
 * {@link MalformedIdentifiersError}.
 */
export function parseIdentifiers<I extends object = Record<string, unknown>>(raw: string): I {
  if (raw === '') return {} as I;
  const parsed = parseJsonObject(raw);
  if (!parsed) throw new MalformedIdentifiersError(raw);
  return parsed as I;
}
