import { createSecretKey, type KeyObject } from 'node:crypto';
import type jsonwebtoken from 'jsonwebtoken';
import type { JwtConfig } from '../config/gateway-config.js';
import { encodeDisconnect } from '../protocol/server-frame.encoder.js';
import type { Handshake } from '../transport/handshake.js';
import type { PreAuthentication } from './session.js';

/** The WebSocket sub-protocol prefix carrying a token (anycable-go 1.6.0 `server/headers_extractor.go`). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'anycable-token.';
/** golang-jwt accepts any HMAC method once the key function approved it. */
const HMAC_ALGORITHMS: jsonwebtoken.Algorithm[] = ['HS256', 'HS384', 'HS512'];

/**
 * anycable-go 1.6.0's connection identification without RPC (`identity/jwt.go`, `identity/public.go`):
 *
 * - JWT (`jwt_secret`, else `secret`): a HMAC token whose `ext` claim is the connection identifiers
 *   string authenticates the connection with no Connect call. Where it is read, first match wins: the
 *   `X-<jwt_param>` header, the sub-protocol `anycable-token.<token>`, the `?<jwt_param>=` query
 *   parameter (the header and the sub-protocol feed the same header slot there, the real header
 *   winning). Expired → `token_expired` (checked before the signature, as golang-jwt v3 reports both
 *   and anycable-go looks at the expiry bit); any other problem (signature, `alg`, `iat`/`nbf` in the
 *   future) → `unauthorized`; a valid token without a string `ext` → 1011 with no frame. No token:
 *   Connect over RPC, or `unauthorized` with `enforce_jwt`.
 * - `noauth` (or `public`): a connection no token identified gets `{"sid":"<sid>"}` as identifiers.
 */
/** What is used of jsonwebtoken: imported only when a JWT secret is set (see {@link JwtIdentification.create}). */
export type JwtLibrary = Pick<typeof jsonwebtoken, 'decode' | 'verify'>;

export class JwtIdentification {
  /**
   * The secret as a KeyObject, built once: jsonwebtoken builds one per verify from a string secret,
   * which measured 1.6 ms per token here against 44 µs with this (it was the whole cost of a no-RPC connect).
   */
  private readonly verifier: { readonly key: KeyObject; readonly library: JwtLibrary } | null;

  constructor(
    private readonly config: JwtConfig,
    private readonly noauth = false,
    library: JwtLibrary | null = null,
  ) {
    if (config.secret && !library) throw new Error('JwtIdentification: a JWT secret needs the jsonwebtoken library (JwtIdentification.create loads it)');
    this.verifier = config.secret && library ? { key: createSecretKey(Buffer.from(config.secret, 'utf8')), library } : null;
  }

  /**
   * Loads jsonwebtoken only when a secret is set: its module setup (semver ranges compiled for its
   * key checks) was a visible part of the gateway's start, for a feature off by default.
   */
  static async create(config: JwtConfig, noauth = false): Promise<JwtIdentification> {
    const library = config.secret ? (await import('./jwt-library.js')).jwtLibrary : null;
    return new JwtIdentification(config, noauth, library);
  }

  identify(handshake: Handshake): PreAuthentication {
    if (!this.verifier) return this.anonymous();
    const token = this.headerToken(handshake) ?? this.queryToken(handshake);
    if (!token) return this.config.enforce ? refused('unauthorized') : this.anonymous();
    return this.verify(token, this.verifier.key, this.verifier.library);
  }

  /**
   * The token from the header slot anycable-go proxies to RPC (`x-<jwt_param>`): the header, else
   * the sub-protocol. Null without JWT or without such a token.
   */
  headerToken(handshake: Handshake): string | null {
    if (!this.config.secret) return null;
    const header = handshake.headers[this.headerName];
    const value = Array.isArray(header) ? header[0] : header;
    if (value) return value;
    const protocols = handshake.headers['sec-websocket-protocol'];
    if (typeof protocols !== 'string' || !protocols.includes(TOKEN_SUBPROTOCOL_PREFIX)) return null;
    for (const raw of protocols.split(',')) {
      const protocol = raw.trim();
      if (protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX) && protocol.length > TOKEN_SUBPROTOCOL_PREFIX.length) return protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    }
    return null;
  }

  /** Lower-cased name of the header slot: `x-jid` by default. */
  get headerName(): string {
    return `x-${this.config.param.toLowerCase()}`;
  }

  private anonymous(): PreAuthentication {
    return this.noauth ? { kind: 'public' } : { kind: 'none' };
  }

  private queryToken(handshake: Handshake): string | null {
    try {
      return new URL(handshake.url).searchParams.get(this.config.param) || null;
    } catch {
      return null;
    }
  }

  private verify(token: string, key: KeyObject, jwt: JwtLibrary): PreAuthentication {
    const decoded = jwt.decode(token, { complete: true });
    if (!decoded || typeof decoded.payload !== 'object' || !HMAC_ALGORITHMS.includes(decoded.header.alg as jsonwebtoken.Algorithm)) {
      return refused('unauthorized');
    }
    const claims = decoded.payload;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp === 'number' && now > claims.exp) return refused('token_expired');
    if (typeof claims.iat === 'number' && now < claims.iat) return refused('unauthorized');
    try {
      // exp was checked above with golang-jwt's rule (expired only once now > exp); nbf is checked here.
      jwt.verify(token, key, { algorithms: HMAC_ALGORITHMS, ignoreExpiration: true });
    } catch {
      return refused('unauthorized');
    }
    return typeof claims.ext === 'string'
      ? { kind: 'identified', identifiers: claims.ext }
      : { kind: 'error', message: 'JWT token does not contain identifiers (ext)' };
  }
}

function refused(reason: 'unauthorized' | 'token_expired'): PreAuthentication {
  return { kind: 'refused', frame: encodeDisconnect(reason, false) };
}
