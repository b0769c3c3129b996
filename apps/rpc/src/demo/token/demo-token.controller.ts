import { Body, Controller, HttpCode, Inject, Logger, Post, ServiceUnavailableException, UsePipes } from '@nestjs/common';
import { CableTokenService } from '#libs/cable';
import type { AppIdentifiers } from '../../app/app-identifiers.js';
import { DEMO_OPTIONS, type DemoOptions } from '../demo-options.js';
import { demoValidation } from '../demo-validation.js';
import { DemoTokenRequest } from './demo-token.dto.js';

/** Lifetime of a demo token: long enough for a demo session, short enough that a leaked one soon stops working. */
export const DEMO_TOKEN_TTL_SECONDS = 15 * 60;

/** What `POST /demo/token` answers. */
export interface DemoToken {
  token: string;
  user: string;
  expires_at: string;
}

/**
 * `POST /demo/token {"user": "alice"}`: an HS256 JWT signed with `JWT_SECRET` carrying both
 * - `ext`: the connection identifiers (`CableTokenService`, anycable-go's format), so a gateway with
 *   the same `jwt_secret` identifies the connection from `?jid=` with no Connect call; the channels
 *   then get `{current_user_id: <user>, sid: null}` (the gateway's session id is `ctx.sid`);
 * - `sub`: the user, which `AppConnection` reads from `?jwt_token=` when Connect does run.
 *
 * FOR THE DEMO ONLY: it signs in anyone as anyone, without a password. A real app issues tokens after
 * its own authentication (a login, a session cookie) and never exposes an endpoint like this one.
 */
@Controller('demo')
export class DemoTokenController {
  private readonly logger = new Logger('DemoToken');

  constructor(
    @Inject(DEMO_OPTIONS) private readonly options: DemoOptions,
    private readonly tokens: CableTokenService,
  ) {}

  @Post('token')
  @HttpCode(201)
  @UsePipes(demoValidation)
  issue(@Body() request: DemoTokenRequest): DemoToken {
    const secret = this.options.jwtSecret;
    if (!secret) throw new ServiceUnavailableException('JWT_SECRET is not set: the demo cannot issue tokens');
    const expiresAt = new Date(Date.now() + DEMO_TOKEN_TTL_SECONDS * 1000);
    const identifiers: AppIdentifiers = { current_user_id: request.user, sid: null };
    const token = this.tokens.issue(identifiers, { ttlSeconds: DEMO_TOKEN_TTL_SECONDS, claims: { sub: request.user } });
    this.logger.log(`issued a demo token for user=${request.user}`);
    return { token, user: request.user, expires_at: expiresAt.toISOString() };
  }
}
