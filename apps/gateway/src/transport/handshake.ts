import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';

/**
 * What the session needs from the HTTP upgrade request. The request itself is not kept (it
 * costs about 1 KB per connection); the session takes this once and keeps only what RPC needs.
 */
export interface Handshake {
  /** Absolute URL with the query string: `http(s)://` + Host + path + query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Peer address without the IPv4-mapped IPv6 prefix. */
  readonly remoteAddress: string;
}

export function handshakeOf(request: IncomingMessage, secure: boolean): Handshake {
  const host = request.headers.host ?? 'localhost';
  return {
    url: `${secure ? 'https' : 'http'}://${host}${request.url ?? '/'}`,
    headers: request.headers,
    remoteAddress: normalizeAddress(request.socket.remoteAddress),
  };
}

function normalizeAddress(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/** The path of a request target, without the query string. */
export function pathnameOf(target: string | undefined): string {
  if (!target) return '/';
  const query = target.indexOf('?');
  return query >= 0 ? target.slice(0, query) : target;
}
