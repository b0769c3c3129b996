import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey, type KeyObject } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { serializeIdentifiers } from '../identifiers.js';
import { CABLE_TOKENS_OPTIONS, type ResolvedCableTokensOptions } from './cable-tokens-options.js';

/** Options of one token. */
export interface IssueTokenOptions {
  /** Lifetime in seconds (default: the module's `ttlSeconds`). */
  ttlSeconds?: number;
  /** Extra claims (e.g. `sub` for an RPC-side authenticator); `ext`, `exp` and `iat` are set by the service. */
  claims?: Record<string, unknown>;
}

/**
 * Issues identification tokens the gateway (and anycable-go) accepts instead of a Connect call:
 * HS256, the connection identifiers as a JSON string in `ext`, `exp` = now + ttl — the format of
 * anycable-rails' `AnyCable::JWT.encode` and anycable-serverless-js' `identificator`. The
 * identifiers are serialised as this framework's Connect returns them (`serializeIdentifiers`), so
 * channels read `ctx.identifiers` the same way whether the session was identified by a token or by
 * the `@CableConnection`. Hand the token to the client as `?jid=<token>` (or the `X-JID` header,
 * or @anycable/web's `auth: { token }`).
 */
@Injectable()
export class CableTokenService {
  /** Built once: jsonwebtoken would build one per call from a string secret (about 1.6 ms each, measured). */
  private readonly key: KeyObject | null;

  constructor(@Inject(CABLE_TOKENS_OPTIONS) private readonly options: ResolvedCableTokensOptions) {
    this.key = options.jwtSecret ? createSecretKey(Buffer.from(options.jwtSecret, 'utf8')) : null;
  }

  /** True when a JWT secret is configured. */
  get enabled(): boolean {
    return this.options.jwtSecret !== '';
  }

  /** A token for these identifiers (every key of the connection's `identifiedBy`). Throws without a JWT secret. */
  issue(identifiers: object, options: IssueTokenOptions = {}): string {
    if (!this.key) throw new Error('CableTokenService: no JWT secret (set ANYCABLE_JWT_SECRET or ANYCABLE_SECRET, or jwtSecret)');
    const now = Math.floor(Date.now() / 1000);
    const ttl = options.ttlSeconds ?? this.options.ttlSeconds;
    const payload = { ...options.claims, ext: serializeIdentifiers(identifiers), iat: now, exp: now + ttl };
    return jsonwebtoken.sign(payload, this.key, { algorithm: 'HS256' });
  }
}
