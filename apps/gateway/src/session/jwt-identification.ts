import jsonwebtoken from 'jsonwebtoken';
import type { JwtConfig } from '../config/gateway-config.js';
import { encodeDisconnect } from '../protocol/server-frame.encoder.js';
import type { Handshake } from '../transport/handshake.js';
import type { PreAuthentication } from './session.js';

/**
 * anycable-go's JWT identification: a HS256 token in the `jwt_param` query param (or the
 * `X-<PARAM>` header) whose `ext` claim is the connection identifiers string authenticates the
 * connection without calling Connect. No token: RPC Connect, unless enforce_jwt is set.
 */
export class JwtIdentification {
  constructor(private readonly config: JwtConfig) {}

  identify(handshake: Handshake): PreAuthentication {
    if (!this.config.secret) return { kind: 'none' };
    const token = this.tokenOf(handshake);
    if (!token) return this.config.enforce ? refused('unauthorized') : { kind: 'none' };
    let payload: unknown;
    try {
      payload = jsonwebtoken.verify(token, this.config.secret, { algorithms: ['HS256'] });
    } catch (error) {
      return refused((error as Error).name === 'TokenExpiredError' ? 'token_expired' : 'unauthorized');
    }
    const identifiers = (payload as { ext?: unknown } | null)?.ext;
    return typeof identifiers === 'string' ? { kind: 'identified', identifiers } : refused('unauthorized');
  }

  private tokenOf(handshake: Handshake): string | null {
    const fromQuery = new URL(handshake.url).searchParams.get(this.config.param);
    if (fromQuery) return fromQuery;
    const header = handshake.headers[`x-${this.config.param.toLowerCase()}`];
    return (Array.isArray(header) ? header[0] : header) || null;
  }
}

function refused(reason: 'unauthorized' | 'token_expired'): PreAuthentication {
  return { kind: 'refused', frame: encodeDisconnect(reason, false) };
}
