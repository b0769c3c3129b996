import { Logger } from '@nestjs/common';
import { CableConnection, type ConnectContext, type ConnectionHandler, type DisconnectContext } from '#libs/cable';
import type { AppIdentifiers } from './app-identifiers.js';
import { JwtAuthenticator } from './auth/jwt-authenticator.js';

/**
 * The demo's connection: the user from a JWT (anonymous without one; rejected with a bad one) and the
 * `sid` query parameter (else the gateway's session id).
 */
@CableConnection({ identifiedBy: ['current_user_id', 'sid'] })
export class AppConnection implements ConnectionHandler<AppIdentifiers> {
  private readonly logger = new Logger('AppConnection');

  constructor(private readonly authenticator: JwtAuthenticator) {}

  async connect(ctx: ConnectContext<AppIdentifiers>): Promise<void> {
    const authentication = await this.authenticator.authenticate(ctx.request);
    if (authentication.kind === 'rejected') {
      this.logger.log(`unauthorized sid=${ctx.sid}: ${authentication.reason}`);
      return ctx.reject();
    }
    ctx.identify({
      current_user_id: authentication.kind === 'user' ? authentication.userId : null,
      sid: ctx.request.query.get('sid') || ctx.sid || null,
    });
  }

  disconnect(ctx: DisconnectContext<AppIdentifiers>): void {
    this.logger.debug(`disconnected sid=${ctx.sid} user=${ctx.identifiers.current_user_id ?? 'anonymous'} subscriptions=${ctx.subscriptions.length}`);
  }
}
