import { createSecretKey } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ExtractJwt, Strategy as JwtStrategy, type JwtFromRequestFunction, type VerifiedCallback } from 'passport-jwt';
import type { CableRequest } from '#libs/cable';
import { RPC_CONFIG, type RpcConfig } from '../../config/rpc-config.js';

/** Outcome of authenticating a WebSocket request. */
export type Authentication =
  | { kind: 'anonymous' }
  | { kind: 'user'; userId: string }
  | { kind: 'rejected'; reason: string };

/** The request shape the extractors read: the session's request as the cable framework parsed it. */
interface TokenRequest {
  query: URLSearchParams;
  headers: Readonly<Record<string, string>>;
  cookies: Readonly<Record<string, string>>;
}

/**
 * A query parameter, read from the URL the framework already parsed (passport-jwt's
 * fromUrlQueryParameter parses the URL again, with the legacy url.parse, for each parameter: two
 * parses per Connect). A parameter given twice is passed on as both values, as url.parse gave it,
 * so the verification refuses it as before ("jwt must be a string").
 */
function fromQueryParameter(name: string): JwtFromRequestFunction<TokenRequest> {
  return (request) => {
    const values = request.query.getAll(name);
    return values.length > 1 ? (values as unknown as string) : (values[0] ?? null);
  };
}

const fromTokenCookie: JwtFromRequestFunction<TokenRequest> = (request) => request.cookies.token || null;

/** Where a token may come from, first match wins: `?jwt_token=`, `?token=`, `Authorization: Bearer`, cookie `token`. */
const extractToken = ExtractJwt.fromExtractors<TokenRequest>([
  fromQueryParameter('jwt_token'),
  fromQueryParameter('token'),
  ExtractJwt.fromAuthHeaderAsBearerToken(),
  fromTokenCookie,
]);

/**
 * Verifies a session's JWT (HS256, `JWT_SECRET`, user id in `sub`) with passport-jwt's strategy, run
 * directly on the request the gateway reported (there is no HTTP request object in a gRPC call).
 * No token: anonymous. A bad, expired or `sub`-less token: rejected.
 */
@Injectable()
export class JwtAuthenticator {
  private readonly strategy: JwtStrategy | undefined;

  constructor(@Inject(RPC_CONFIG) config: RpcConfig) {
    this.strategy = config.jwtSecret
      ? new JwtStrategy(
          // The secret as a KeyObject built once: from a string, jsonwebtoken first tries it as a public
          // key (which throws) and then builds a secret key, on every token. passport-jwt hands it to
          // jsonwebtoken as is; its types predate KeyObject.
          { jwtFromRequest: extractToken, secretOrKey: createSecretKey(Buffer.from(config.jwtSecret, 'utf8')) as unknown as Buffer, algorithms: ['HS256'] },
          (payload: { sub?: unknown }, done: VerifiedCallback) => done(null, payload),
        )
      : undefined;
  }

  async authenticate(cableRequest: CableRequest): Promise<Authentication> {
    const request: TokenRequest = { query: cableRequest.query, headers: cableRequest.headers, cookies: cableRequest.cookies };
    if (!extractToken(request)) return { kind: 'anonymous' };
    if (!this.strategy) return { kind: 'rejected', reason: 'JWT_SECRET is not set' };
    const payload = await this.verify(request, this.strategy);
    if (typeof payload === 'string') return { kind: 'rejected', reason: payload };
    const sub = payload.sub;
    if ((typeof sub !== 'string' || sub === '') && typeof sub !== 'number') return { kind: 'rejected', reason: 'the token has no sub' };
    return { kind: 'user', userId: String(sub) };
  }

  /** Runs the passport strategy once: its payload, or the reason it failed. */
  private verify(request: TokenRequest, strategy: JwtStrategy): Promise<{ sub?: unknown } | string> {
    return new Promise((resolve) => {
      // Passport's way of running a strategy outside a framework: a per-request object whose
      // success/fail/error the strategy calls (see passport's "augmented strategy").
      const attempt = Object.create(strategy) as JwtStrategy & {
        success(user: { sub?: unknown }): void;
        fail(challenge?: unknown): void;
        error(error: unknown): void;
      };
      attempt.success = (user) => resolve(user);
      attempt.fail = (challenge) => resolve(describe(challenge, 'invalid token'));
      attempt.error = (error) => resolve(describe(error, 'token verification failed'));
      attempt.authenticate(request as never, {});
    });
  }
}

function describe(cause: unknown, fallback: string): string {
  if (cause instanceof Error) return cause.message;
  return typeof cause === 'string' && cause !== '' ? cause : fallback;
}
