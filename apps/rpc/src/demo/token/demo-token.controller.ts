import { Body, Controller, HttpCode, Inject, Logger, Post, ServiceUnavailableException, UsePipes } from '@nestjs/common';
import jwt from 'jsonwebtoken';
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
 * `POST /demo/token {"user": "alice"}`: an HS256 JWT with `sub` = the user, signed with `JWT_SECRET`,
 * for the page to pass as `?jwt_token=` in the cable URL.
 *
 * FOR THE DEMO ONLY: it signs in anyone as anyone, without a password. A real app issues tokens after
 * its own authentication (a login, a session cookie) and never exposes an endpoint like this one.
 */
@Controller('demo')
export class DemoTokenController {
  private readonly logger = new Logger('DemoToken');

  constructor(@Inject(DEMO_OPTIONS) private readonly options: DemoOptions) {}

  @Post('token')
  @HttpCode(201)
  @UsePipes(demoValidation)
  issue(@Body() request: DemoTokenRequest): DemoToken {
    const secret = this.options.jwtSecret;
    if (!secret) throw new ServiceUnavailableException('JWT_SECRET is not set: the demo cannot issue tokens');
    const expiresAt = new Date(Date.now() + DEMO_TOKEN_TTL_SECONDS * 1000);
    const token = jwt.sign({ sub: request.user }, secret, { algorithm: 'HS256', expiresIn: DEMO_TOKEN_TTL_SECONDS });
    this.logger.log(`issued a demo token for user=${request.user}`);
    return { token, user: request.user, expires_at: expiresAt.toISOString() };
  }
}
