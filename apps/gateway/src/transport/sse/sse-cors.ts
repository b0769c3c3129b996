import type { ServerResponse } from 'node:http';
import { isOriginAllowed } from '../origin-check.js';

/**
 * anycable-go's CORS headers for SSE (server/cors.go, v1.6.0): without allowed_origins every
 * origin may read the stream (`*`); with it, an allowed Origin is echoed back and any other gets
 * no Allow-Origin header, so the browser keeps the stream from the page. The request itself is
 * not refused, as in anycable-go.
 */
export function writeCorsHeaders(response: ServerResponse, origin: string | undefined, patterns: readonly RegExp[]): void {
  if (patterns.length === 0) response.setHeader('Access-Control-Allow-Origin', '*');
  else if (origin && isOriginAllowed(origin, patterns)) response.setHeader('Access-Control-Allow-Origin', origin.toLowerCase());
  response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
  response.setHeader('Access-Control-Allow-Credentials', 'true');
  response.setHeader('Access-Control-Allow-Headers', 'Origin, X-Requested-With, X-Request-ID, Content-Type, Accept, X-CSRF-Token, Authorization');
}
