import type { StringMap } from '#libs/protocol';
import type { SessionSnapshot } from '../broker.js';

const isStringMap = (value: unknown): value is StringMap =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((item) => typeof item === 'string');
const isStateOrNull = (value: unknown): value is StringMap | null => value === null || isStringMap(value);

/**
 * A session snapshot read back from a shared store (JSON written by a gateway, maybe another
 * version of it): the snapshot, or null when it is not one this gateway can restore.
 */
export function parseSnapshot(text: string): SessionSnapshot | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null; // not JSON: the caller logs that the stored session is not restorable
  }
  if (typeof value !== 'object' || value === null) return null;
  const snapshot = value as Record<string, unknown>;
  if (typeof snapshot.identifiers !== 'string' || !isStateOrNull(snapshot.cstate)) return null;
  if (snapshot.authenticatedBy !== 'rpc' && snapshot.authenticatedBy !== 'jwt') return null;
  if (typeof snapshot.subscribedOverRpc !== 'boolean' || !Array.isArray(snapshot.subscriptions)) return null;
  for (const subscription of snapshot.subscriptions as unknown[]) {
    if (typeof subscription !== 'object' || subscription === null) return null;
    const { identifier, istate, streams } = subscription as Record<string, unknown>;
    if (typeof identifier !== 'string' || !isStateOrNull(istate)) return null;
    if (!Array.isArray(streams) || !streams.every((stream) => typeof stream === 'string')) return null;
  }
  return snapshot as unknown as SessionSnapshot;
}
