import type { ConnectContext, DisconnectContext } from './connect-context.js';

/** The hooks of the connection class (see `@CableConnection`). */
export interface ConnectionHandler<I extends object = Record<string, unknown>, CS extends object = Record<string, unknown>> {
  /** Authenticates a new session: set identifiers with `ctx.identify()`, or `ctx.reject()`. */
  connect(ctx: ConnectContext<I, CS>): void | Promise<void>;
  /** Runs when the session ends, after `unsubscribed` of each of its subscriptions. */
  disconnect?(ctx: DisconnectContext<I, CS>): void | Promise<void>;
}
