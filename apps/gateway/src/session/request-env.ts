import type { StringMap } from '#libs/protocol';
import type { Handshake } from '../transport/handshake.js';

/** The part of the RPC `Env` fixed for a session's life: the request URL and the proxied headers. */
export interface RequestEnv {
  readonly url: string;
  readonly headers: StringMap;
}

/** Header name anycable-go uses for the peer address in `env.headers`. */
export const REMOTE_ADDR_HEADER = 'REMOTE_ADDR';

/**
 * Keeps only the configured headers (names lower-cased, as Node gives them), the cookie header
 * reduced to the `proxy_cookies` allow-list if there is one, plus REMOTE_ADDR.
 */
export function requestEnvOf(handshake: Handshake, proxyHeaders: readonly string[], proxyCookies: readonly string[] | null): RequestEnv {
  const headers: StringMap = {};
  for (const name of proxyHeaders) {
    const value = handshake.headers[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  if (proxyCookies && headers.cookie !== undefined) headers.cookie = filterCookies(headers.cookie, proxyCookies);
  headers[REMOTE_ADDR_HEADER] = handshake.remoteAddress;
  return { url: handshake.url, headers };
}

/** `a=1; b=2; c=3` filtered to the allowed names, order kept. */
export function filterCookies(cookieHeader: string, allowed: readonly string[]): string {
  return cookieHeader
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => {
      const equals = pair.indexOf('=');
      return equals > 0 && allowed.includes(pair.slice(0, equals).trim());
    })
    .join('; ');
}

/**
 * Merges a state change from RPC into a state map: an empty-string value deletes the key.
 * Returns null for an empty result so idle sessions keep no map at all.
 */
export function mergeState(current: StringMap | null, changes: StringMap | null | undefined): StringMap | null {
  if (!changes) return current;
  const keys = Object.keys(changes);
  if (keys.length === 0) return current;
  const merged: StringMap = current ? { ...current } : {};
  for (const key of keys) {
    if (changes[key] === '') delete merged[key];
    else merged[key] = changes[key];
  }
  return Object.keys(merged).length > 0 ? merged : null;
}
